"""Python-Markdown extensions that put derived equations and typeset math into the site."""
