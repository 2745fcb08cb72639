"""Simplified Chinese for the English text that derivations and claims carry.

Keys are the English strings exactly as the derivations and :mod:`derivations.claims` write
them, so an edited English text has no translation until this catalogue follows: the Chinese
build then fails naming the equation and the text, instead of showing stale Chinese.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

ZH: dict[str, str] = {
    'Derivative of the logistic sigmoid, and its maximum': 'logistic sigmoid 函数的导数及其最大值',
    'The logistic sigmoid.': 'logistic sigmoid 函数。',
    'Differentiate (quotient rule).': '求导（商法则）。',
    'Rewrite with $\\sigma$ itself: the derivative is $\\sigma(1-\\sigma)$.': '用 $\\sigma$ 本身改写：导数为 $\\sigma(1-\\sigma)$。',
    "Set the derivative of sigmoid' to zero: its only real critical point is $x = 0$.": "令 sigmoid' 的导数为零：其唯一的实临界点是 $x = 0$。",
    'A single critical point, a local maximum, and zero at both ends: it is the global maximum.': '只有一个临界点，且为局部极大值，两端又都趋于零：因此它就是全局最大值。',
    'Derivative of tanh, and its maximum': 'tanh 的导数及其最大值',
    'Differentiate the hyperbolic tangent.': '对双曲正切函数求导。',
    "Set the derivative of tanh' to zero: its only real critical point is $x = 0$.": "令 tanh' 的导数为零：其唯一的实临界点是 $x = 0$。",
    'Derivative of ReLU': 'ReLU 的导数',
    'Differentiate $\\max(0, x)$ away from the kink at $x = 0$ ($H$ is the Heaviside step).': '对 $\\max(0, x)$ 求导，折点 $x = 0$ 处除外（$H$ 为 Heaviside 阶跃函数）。',
    'Jacobian of one RNN step': '循环神经网络单步的雅可比矩阵',
    'Name the pre-activation.': '为预激活引入记号。',
    'One step of the RNN applies $\\sigma$ entry by entry.': '循环神经网络的每一步对各分量逐元素地施加 $\\sigma$。',
    "SymPy's matrix calculus differentiates the step for general $n$. It answers in denominator layout, with one row per entry of $h_{t-1}$:": '用 SymPy 的矩阵微积分对一般的 $n$ 求这一步的导数。结果采用分母布局，$h_{t-1}$ 的每个分量对应一行：',
    'Transpose to numerator layout, one row per entry of $h_t$; a diagonal matrix is its own transpose.': '转置为分子布局，$h_t$ 的每个分量对应一行；对角矩阵的转置就是它本身。',
    'Jacobian across k steps: an ordered product': '跨 k 步的雅可比矩阵：有序乘积',
    'Base case $k = 1$: the span is one step, whose Jacobian $J_{t+1}$ is rnn.step-jacobian.': '基础情形 $k = 1$：跨度只有一步，其雅可比矩阵 $J_{t+1}$ 即 rnn.step-jacobian。',
    'Inductive step: $h_{t+k+1}$ depends on $h_t$ only through $h_{t+k}$, so the chain rule puts the new factor on the left. SymPy checks the result entry by entry for $n, k \\in \\{1, 2, 3\\}$.': '归纳步骤：$h_{t+k+1}$ 对 $h_t$ 的依赖只经过 $h_{t+k}$，因此由链式法则，新因子乘在左边。SymPy 对 $n, k \\in \\{1, 2, 3\\}$ 逐元素验证了该结果。',
    'Gradient of the loss with respect to a hidden state': '损失对隐藏状态的梯度',
    '$L_s$ depends on $h_t$ only for $s \\ge t$, through $h_s$.': '$L_s$ 对 $h_t$ 的依赖只在 $s \\ge t$ 时存在，且经由 $h_s$ 传递。',
    'Split off $s = t$; every later term reaches $h_t$ through $h_{t+1}$. With gradients written as columns the chain rule transposes the Jacobian.': '把 $s = t$ 这一项单独拆出；之后的每一项到达 $h_t$ 都要经过 $h_{t+1}$。把梯度写成列向量时，链式法则会对雅可比矩阵取转置。',
    'Gradient of the loss with respect to W_hh': '损失对 W_hh 的梯度',
    '$W_{hh}$ acts at every step, so its gradient sums one contribution per step; at step $t$ it enters only through $z_t = W_{hh} h_{t-1} + \\dots$, and $\\partial z_{t,i} / \\partial (W_{hh})_{ij} = h_{t-1,j}$.': '$W_{hh}$ 在每一步都起作用，因此它的梯度是各步贡献之和；在第 $t$ 步，它只通过 $z_t = W_{hh} h_{t-1} + \\dots$ 进入计算，且 $\\partial z_{t,i} / \\partial (W_{hh})_{ij} = h_{t-1,j}$。',
    'Best case for a sigmoid RNN over 100 steps': 'sigmoid 循环神经网络在 100 步上的最好情形',
    "Each step multiplies by at most $\\gamma = \\max \\sigma' = 1/4$ (activation.sigmoid-derivative); take $\\lVert W_{hh} \\rVert = 1$ and the best case, $\\sigma'(z) = 1/4$, at every one of the 100 steps.": "每一步至多乘以 $\\gamma = \\max \\sigma' = 1/4$（activation.sigmoid-derivative）；取 $\\lVert W_{hh} \\rVert = 1$，并考虑最好情形：100 步中每一步都有 $\\sigma'(z) = 1/4$。",
    'Its decimal exponent is $-200 \\log_{10} 2$.': '它的十进制指数为 $-200 \\log_{10} 2$。',
    'The notes round this to $10^{-60}$, which is larger by a factor of about 1.6:': '笔记把它近似为 $10^{-60}$，约大了 1.6 倍：',
    "Norm of one step's Jacobian": '单步雅可比矩阵的范数',
    'The step Jacobian is a diagonal matrix times $W_{hh}$ (rnn.step-jacobian).': '单步雅可比矩阵是一个对角矩阵乘以 $W_{hh}$（rnn.step-jacobian）。',
    'The spectral norm $\\lVert A \\rVert_2$ is the largest singular value of $A$, the square root of the largest eigenvalue of $A^{\\top} A$. For a diagonal matrix $A^{\\top} A$ is diagonal with entries $d_i^2$, so its singular values are $|d_i|$; SymPy shows this for $n = 2, 3$.': '谱范数 $\\lVert A \\rVert_2$ 是 $A$ 的最大奇异值，即 $A^{\\top} A$ 最大特征值的平方根。对于对角矩阵，$A^{\\top} A$ 也是对角矩阵，对角元为 $d_i^2$，因此其奇异值为 $|d_i|$；SymPy 对 $n = 2, 3$ 验证了这一点。',
    "Each $|\\sigma'|$ is at most $\\gamma$: $1/4$ for the sigmoid, $1$ for tanh and ReLU (activation.*-derivative). SymPy finds the range of each $\\sigma'$ on the real line.": "每个 $|\\sigma'|$ 至多为 $\\gamma$：sigmoid 为 $1/4$，tanh 和 ReLU 为 $1$（activation.*-derivative）。SymPy 求出了每个 $\\sigma'$ 在实数轴上的值域。",
    'The spectral norm is submultiplicative, $\\lVert AB \\rVert_2 \\le \\lVert A \\rVert_2 \\lVert B \\rVert_2$, checked exactly on an explicit $2 \\times 2$ product.': '谱范数具有次乘性，即 $\\lVert AB \\rVert_2 \\le \\lVert A \\rVert_2 \\lVert B \\rVert_2$，这里在一个具体的 $2 \\times 2$ 矩阵乘积上做了精确验证。',
    'Norm of the Jacobian across k steps': '跨 k 步雅可比矩阵的范数',
    'The span Jacobian is the ordered product of step Jacobians (rnn.span-jacobian).': '多步雅可比矩阵是各步雅可比矩阵的有序乘积（rnn.span-jacobian）。',
    'Base case $k = 1$: bounds.step-norm.': '基础情形 $k = 1$：即 bounds.step-norm。',
    'Inductive step: one more factor on the left, submultiplicativity, then the base case and the hypothesis.': '归纳步骤：在左边多乘一个因子，利用次乘性，再用基础情形和归纳假设。',
    'If $\\gamma \\lVert W_{hh} \\rVert_2 < 1$, write it as $1/(1+s)$ with $s > 0$: the bound is geometric and tends to zero.': '若 $\\gamma \\lVert W_{hh} \\rVert_2 < 1$，将其写成 $1/(1+s)$，其中 $s > 0$：该上界按几何级数衰减并趋于零。',
    'Pascanu et al.: when long spans vanish or can explode': 'Pascanu 等人：长跨度何时消失、何时可能爆炸',
    'Pascanu, Mikolov & Bengio (2013, “On the difficulty of training recurrent neural networks”) iterate the pre-activation:': 'Pascanu, Mikolov & Bengio (2013, “On the difficulty of training recurrent neural networks”) 迭代的是预激活：',
    'Ours is the same recurrence once $h_{t-1} = \\sigma(z_{t-1})$ is substituted: their $x_t$ is our $z_t$, $W_{rec} = W_{hh}$, $W_{in} = W_{xh}$, $u_t$ is our input $x_t$ and $b = b_h$.': '代入 $h_{t-1} = \\sigma(z_{t-1})$ 后，我们的递推与之相同：他们的 $x_t$ 就是我们的 $z_t$，$W_{rec} = W_{hh}$，$W_{in} = W_{xh}$，$u_t$ 是我们的输入 $x_t$，且 $b = b_h$。',
    'SymPy differentiates their step (transposed to numerator layout): $W_{rec}$ now stands left of the diagonal.': 'SymPy 对他们的单步求导（转置为分子布局）：此时 $W_{rec}$ 位于对角矩阵的左侧。',
    "$A^{\\top} A$ and $A A^{\\top}$ have the same characteristic polynomial, so $A$ and $A^{\\top}$ have the same singular values; with $\\lambda_1 = \\lVert W_{hh} \\rVert_2$ their factor obeys bounds.step-norm's bound, and their span bounds.span-norm's.": '$A^{\\top} A$ 与 $A A^{\\top}$ 的特征多项式相同，因此 $A$ 与 $A^{\\top}$ 的奇异值相同；记 $\\lambda_1 = \\lVert W_{hh} \\rVert_2$，他们的单步因子满足 bounds.step-norm 的上界，多步乘积满足 bounds.span-norm 的上界。',
    'The threshold: solve $\\gamma \\lambda_1 = 1$.': '阈值：解 $\\gamma \\lambda_1 = 1$。',
    'For sigmoid, $\\gamma = \\frac{1}{4}$:': '对于 sigmoid，$\\gamma = \\frac{1}{4}$：',
    'For tanh, $\\gamma = 1$:': '对于 tanh，$\\gamma = 1$：',
    'For relu, $\\gamma = 1$:': '对于 relu，$\\gamma = 1$：',
    'Write $\\gamma \\lambda_1$ as $1/(1+s)$, $1$ or $1+s$ with $s > 0$: the bound vanishes below the threshold, stays at 1 on it, and grows without limit only above it. The norm never exceeds the bound, so $\\lambda_1 < 1/\\gamma$ suffices for vanishing and $\\lambda_1 > 1/\\gamma$ is necessary for exploding.': '将 $\\gamma \\lambda_1$ 写成 $1/(1+s)$、$1$ 或 $1+s$，其中 $s > 0$：低于阈值时上界趋于零，恰在阈值上时保持为 1，只有高于阈值时才会无限增长。范数永远不超过上界，因此 $\\lambda_1 < 1/\\gamma$ 是梯度消失的充分条件，$\\lambda_1 > 1/\\gamma$ 是梯度爆炸的必要条件。',
    'Above the threshold an explosion is possible, not certain: a strictly upper-triangular $W_{hh}$ has $\\lambda_1 = a$, as large as we like, yet any two step Jacobians multiply to zero. bounds.counterexample gives a saturated tanh RNN whose spans vanish numerically.': '高于阈值时爆炸只是可能，而非必然：严格上三角的 $W_{hh}$ 满足 $\\lambda_1 = a$，可以任意大，但任意两个单步雅可比矩阵的乘积都为零。bounds.counterexample 给出了一个饱和的 tanh 循环神经网络，其多步雅可比矩阵在数值上趋于零。',
    'Linear RNN: powers of W_hh and the spectral radius': '线性循环神经网络：W_hh 的幂与谱半径',
    "With $\\sigma$ the identity, $\\sigma' = 1$: every step Jacobian is $W_{hh}$ and the span is its power. SymPy unrolls $h_{t+1} = W_{hh} h_t + u_{t+1}$ for $n, k \\in \\{1, 2, 3\\}$.": "当 $\\sigma$ 为恒等函数时，$\\sigma' = 1$：每个单步雅可比矩阵都是 $W_{hh}$，多步雅可比矩阵就是它的幂。SymPy 展开 $h_{t+1} = W_{hh} h_t + u_{t+1}$，并对 $n, k \\in \\{1, 2, 3\\}$ 进行验证。",
    'Diagonalise $W_{hh} = P \\operatorname{diag}(\\mu_1, \\mu_2) P^{-1}$; by induction on $k$ its power keeps $P$ and raises the eigenvalues.': '对角化 $W_{hh} = P \\operatorname{diag}(\\mu_1, \\mu_2) P^{-1}$；对 $k$ 用归纳法可知，其幂保持 $P$ 不变，只对特征值取幂。',
    'So $W_{hh}^k \\to 0$ exactly when every $|\\mu_i| < 1$: a $|\\mu_i| \\ge 1$ keeps its eigenvector $v_i$ from shrinking. The spectral radius $\\rho(W_{hh}) = \\max_i |\\mu_i|$ decides; an explicit example:': '因此 $W_{hh}^k \\to 0$ 当且仅当所有 $|\\mu_i| < 1$：若某个 $|\\mu_i| \\ge 1$，对应的特征向量 $v_i$ 就不会收缩。起决定作用的是谱半径 $\\rho(W_{hh}) = \\max_i |\\mu_i|$；一个具体例子：',
    '$|\\mu_i| \\lVert v_i \\rVert = \\lVert W v_i \\rVert \\le \\lambda_1 \\lVert v_i \\rVert$, so $\\rho \\le \\lambda_1$, and it can be far smaller: this $W_{hh}$ has $\\rho = 1/2$, $\\lambda_1 > 10$, and its powers still vanish.': '由 $|\\mu_i| \\lVert v_i \\rVert = \\lVert W v_i \\rVert \\le \\lambda_1 \\lVert v_i \\rVert$ 得 $\\rho \\le \\lambda_1$，而且谱半径可能小得多：这个 $W_{hh}$ 的 $\\rho = 1/2$，$\\lambda_1 > 10$，但它的幂仍趋于零。',
    'ReLU: the step Jacobian is a masked W_hh': 'ReLU：单步雅可比矩阵是经过掩码的 W_hh',
    "ReLU' is the Heaviside step $H$ ($H(x) = 1$ for $x > 0$, else $0$: the indicator $1[x > 0]$; activation.relu-derivative).": "ReLU' 是 Heaviside 阶跃函数 $H$（$H(x) = 1$，当 $x > 0$；否则取 $0$，即示性函数 $1[x > 0]$；见 activation.relu-derivative）。",
    "Substitute it for $\\sigma'$ in rnn.step-jacobian.": "在 rnn.step-jacobian 中用它替换 $\\sigma'$。",
    'Where the first entry of $z_t$ is positive and the second negative ($n = 2$), the active row is copied from $W_{hh}$ and the inactive row is zero. SymPy checks every sign pattern for $n \\in \\{1, 2\\}$ against its own Jacobian of $\\max(0, z_t)$.': '当 $z_t$ 的第一个分量为正、第二个分量为负时（$n = 2$），激活单元对应的行照搬 $W_{hh}$，未激活单元对应的行为零。SymPy 对 $n \\in \\{1, 2\\}$ 的每种符号组合，与它自己对 $\\max(0, z_t)$ 求出的雅可比矩阵逐一核对。',
    'Nothing is squashed: while every unit stays active, the Jacobian across $k$ steps is $W_{hh}^k$, so it grows without bound when $\\lVert W_{hh} \\rVert > 1$ — for $n = 1$, $w = 1 + \\delta$ with $\\delta > 0$:': '没有任何压缩：只要所有单元都保持激活，跨 $k$ 步的雅可比矩阵就是 $W_{hh}^k$，因此当 $\\lVert W_{hh} \\rVert > 1$ 时它会无界增长——例如 $n = 1$，$w = 1 + \\delta$，其中 $\\delta > 0$：',
    'Residual connection: an identity path through every step': '残差连接：贯穿每一步的恒等通路',
    'A residual step adds the update to the previous state.': '残差步把更新量加到前一个状态上。',
    "Differentiate term by term with SymPy's matrix calculus for general $n$ (denominator layout, one row per entry of $h_{t-1}$): $h_{t-1}$ gives the identity.": '对一般的 $n$，用 SymPy 的矩阵微积分逐项求导（分母布局，$h_{t-1}$ 的每个分量对应一行）：$h_{t-1}$ 项给出单位矩阵。',
    'Transpose to numerator layout.': '转置为分子布局。',
    "Where every unit saturates ($\\sigma' = 0$) the plain step Jacobian is zero, but the residual one is the identity: the gradient still flows back unchanged.": "当所有单元都饱和（$\\sigma' = 0$）时，普通的单步雅可比矩阵为零，而残差形式的单步雅可比矩阵是单位矩阵：梯度仍能原封不动地反向传回。",
    'Xavier (Glorot) initialization: variance and uniform bound': 'Xavier（Glorot）初始化：方差与均匀分布的边界',
    'Glorot & Bengio (2010): a layer keeps the variance of activations forward if $n_{\\mathrm{in}} \\operatorname{Var}(W) = 1$ and of gradients backward if $n_{\\mathrm{out}} \\operatorname{Var}(W) = 1$; they compromise on the average fan.': 'Glorot & Bengio (2010)：若 $n_{\\mathrm{in}} \\operatorname{Var}(W) = 1$，一层在前向传播中保持激活值的方差；若 $n_{\\mathrm{out}} \\operatorname{Var}(W) = 1$，则在反向传播中保持梯度的方差；两者折中，取扇入与扇出的平均值。',
    '$U(-a, a)$ has density $1/(2a)$ on $[-a, a]$; its mean is zero.': '$U(-a, a)$ 的概率密度为 $1/(2a)$，支撑在 $[-a, a]$ 上；其均值为零。',
    'So its variance is the second moment.': '因此其方差等于二阶矩。',
    'Solve $a^2/3 = 2/(n_{\\mathrm{in}} + n_{\\mathrm{out}})$ for $a > 0$.': '解方程 $a^2/3 = 2/(n_{\\mathrm{in}} + n_{\\mathrm{out}})$，取 $a > 0$。',
    'Orthogonal matrices: every singular value is 1': '正交矩阵：所有奇异值都为 1',
    'The singular values of any matrix $Q$ are the square roots of the eigenvalues of $Q^{\\top} Q$.': '任意矩阵 $Q$ 的奇异值是 $Q^{\\top} Q$ 特征值的平方根。',
    '$Q$ is orthogonal when $Q^{\\top} Q = I$; every eigenvalue of $I$ is 1, so every singular value is 1 and $\\lVert Q v \\rVert = \\lVert v \\rVert$ for every $v$. Saxe, McClelland & Ganguli (2014) initialize $W_{hh}$ this way so that the linear part of a step neither shrinks nor stretches the gradient.': '$Q$ 为正交矩阵，是指 $Q^{\\top} Q = I$；$I$ 的特征值全为 1，因此所有奇异值都为 1，且 $\\lVert Q v \\rVert = \\lVert v \\rVert$ 对每个 $v$ 都成立。Saxe, McClelland & Ganguli (2014) 正是这样对 $W_{hh}$ 做正交初始化的，使得每一步的线性部分既不缩小也不拉伸梯度。',
    'Every 2×2 orthogonal matrix is a rotation or a reflection; for the rotation, $\\cos^2 \\theta + \\sin^2 \\theta = 1$ gives': '每个 2×2 正交矩阵要么是旋转，要么是反射；对于旋转，由 $\\cos^2 \\theta + \\sin^2 \\theta = 1$ 得',
    'Every 2×2 orthogonal matrix is a rotation or a reflection; for the reflection, $\\cos^2 \\theta + \\sin^2 \\theta = 1$ gives': '每个 2×2 正交矩阵要么是旋转，要么是反射；对于反射，由 $\\cos^2 \\theta + \\sin^2 \\theta = 1$ 得',
    'Gradient clipping by norm: it only ever shrinks a gradient': '按范数的梯度裁剪：只会缩小梯度',
    'Pascanu, Mikolov & Bengio (2013), Algorithm 1: if $\\lVert g \\rVert \\ge \\theta$, rescale $g$ to norm $\\theta$; otherwise leave it.': 'Pascanu, Mikolov & Bengio (2013) 的算法 1：若 $\\lVert g \\rVert \\ge \\theta$，则把 $g$ 缩放到范数为 $\\theta$；否则保持不变。',
    'So clipping multiplies $g$ by a positive factor $c$, and $\\lVert \\operatorname{clip}(g) \\rVert = c \\lVert g \\rVert$; by $\\lVert \\theta g / \\lVert g \\rVert \\rVert = \\theta$:': '因此梯度裁剪相当于把 $g$ 乘以一个正因子 $c$，且 $\\lVert \\operatorname{clip}(g) \\rVert = c \\lVert g \\rVert$；由 $\\lVert \\theta g / \\lVert g \\rVert \\rVert = \\theta$ 得：',
    'The factor lies in $(0, 1]$: clipping keeps the direction and never increases the norm. It tames exploding gradients but cannot relieve vanishing ones, which it passes unchanged.': '该因子位于 $(0, 1]$ 内：梯度裁剪保持方向不变，且从不增大范数。它能抑制梯度爆炸，却无法缓解梯度消失——消失的梯度会原样通过。',
    'The LSTM cell path: the constant error carousel': 'LSTM 的细胞状态通路：恒定误差传送带',
    'PyTorch stacks the four gate blocks of each parameter in the order $i, f, g, o$; gate $f$ reads the $f$ rows of weight_ih and weight_hh.': 'PyTorch 将每个参数中四个门的分块按 $i, f, g, o$ 的顺序堆叠；门 $f$ 读取 weight_ih 和 weight_hh 中属于 $f$ 的那些行。',
    'The gates: $i_t, f_t, o_t$ apply $\\sigma$ entry by entry to their pre-activations, $g_t$ applies $\\tanh$.': '各门：$i_t, f_t, o_t$ 对各自的预激活逐元素施加 $\\sigma$，$g_t$ 则施加 $\\tanh$。',
    'The cell keeps a gated share of the old cell and adds the gated candidate.': '细胞状态保留经门控的一部分旧细胞状态，再加上经门控的候选值。',
    'The output gate exposes part of the squashed cell.': '输出门让经过压缩的细胞状态部分地输出。',
    'The gates read $h_{t-1}$ and $x_t$ but not $c_{t-1}$, so only the first term of $c_t$ depends on $c_{t-1}$, entry by entry. SymPy differentiates the explicit cell for $n \\in \\{1, 2\\}$.': '各门读取 $h_{t-1}$ 和 $x_t$，但不读取 $c_{t-1}$，因此 $c_t$ 中只有第一项依赖于 $c_{t-1}$，且是逐元素的。SymPy 对 $n \\in \\{1, 2\\}$ 的显式细胞状态求导。',
    'With the forget gate open, $f_t = 1$, the error flows back through the cell unchanged: the constant error carousel.': '当遗忘门完全打开，即 $f_t = 1$ 时，误差沿细胞状态原封不动地反向流动：这就是恒定误差传送带。',
    'Jacobian of one LSTM step': 'LSTM 单步的雅可比矩阵',
    "Write $k'_t$ for the derivative of gate $k$ at its pre-activation: $f'_t = \\sigma'(a_f) = f_t \\circ (1 - f_t)$ for the logistic $\\sigma$, and $g'_t = 1 - g_t \\circ g_t$.": "记 $k'_t$ 为门 $k$ 在其预激活处的导数：$f'_t = \\sigma'(a_f) = f_t \\circ (1 - f_t)$（$\\sigma$ 为 logistic 函数），以及 $g'_t = 1 - g_t \\circ g_t$。",
    'The cell depends on $h_{t-1}$ through $f_t$, $i_t$ and $g_t$ (product rule on each term).': '细胞状态对 $h_{t-1}$ 的依赖经由 $f_t$、$i_t$ 和 $g_t$（对每一项用乘积法则）。',
    "The hidden state depends on $c_{t-1}$ only through $c_t$, and $\\tanh' = 1 - \\tanh^2$.": "隐藏状态对 $c_{t-1}$ 的依赖只经由 $c_t$，且 $\\tanh' = 1 - \\tanh^2$。",
    'It depends on $h_{t-1}$ through $o_t$ and through $c_t$.': '它对 $h_{t-1}$ 的依赖既经由 $o_t$，也经由 $c_t$。',
    'The GRU direct path': 'GRU 的直接通路',
    "PyTorch stacks the gate blocks of each parameter in the order $r, z, n$. The reset gate scales the recurrent part of the candidate's pre-activation.": 'PyTorch 将每个参数中各门的分块按 $r, z, n$ 的顺序堆叠。重置门对候选状态预激活中的循环部分进行缩放。',
    'The new state mixes the candidate and the old state, entry by entry, by the update gate.': '新状态由更新门逐元素地混合候选状态与旧状态。',
    'Hold $z_t$ and $n_t$ fixed: only the term $z_t \\circ h_{t-1}$ reads $h_{t-1}$, entry by entry. SymPy differentiates the explicit state for $n \\in \\{1, 2, 3\\}$.': '固定 $z_t$ 和 $n_t$：只有 $z_t \\circ h_{t-1}$ 这一项逐元素地读取 $h_{t-1}$。SymPy 对 $n \\in \\{1, 2, 3\\}$ 的显式状态求导。',
    'Equivalently, cut every recurrent path into a gate or the candidate, $W_{hr} = W_{hz} = W_{hn} = 0$: the full Jacobian of the model reduces to the direct path.': '等价地，切断所有进入门或候选状态的循环通路，即令 $W_{hr} = W_{hz} = W_{hn} = 0$：模型的完整雅可比矩阵就退化为直接通路。',
    'Jacobian of one GRU step': 'GRU 单步的雅可比矩阵',
    "Write $k'_t$ for the derivative of gate $k$ at its pre-activation: $z'_t = z_t \\circ (1 - z_t)$ for the logistic $\\sigma$, and $n'_t = 1 - n_t \\circ n_t$.": "记 $k'_t$ 为门 $k$ 在其预激活处的导数：$z'_t = z_t \\circ (1 - z_t)$（$\\sigma$ 为 logistic 函数），以及 $n'_t = 1 - n_t \\circ n_t$。",
    'Product rule on $(1 - z_t) \\circ n_t + z_t \\circ h_{t-1}$: the direct path, the update gate, and the candidate, which reads $h_{t-1}$ directly and through $r_t$.': '对 $(1 - z_t) \\circ n_t + z_t \\circ h_{t-1}$ 用乘积法则：得到直接通路、更新门和候选状态三部分，其中候选状态既直接读取 $h_{t-1}$，也经由 $r_t$ 读取。',
    'The step Jacobian as a scalar times the weights': '把单步雅可比矩阵写成标量乘以权重',
    "The Jacobian of one step is $\\sigma'(z_t) \\cdot W_{hh}$.": "单步的雅可比矩阵为 $\\sigma'(z_t) \\cdot W_{hh}$。",
    "The slope is a vector with one entry per unit, so the Jacobian is $\\operatorname{diag}(\\sigma'(z_t))\\,W_{hh}$: row $i$ of $W_{hh}$ scaled by unit $i$'s slope. The scalar form is right only for one unit, or when all slopes are equal.": "斜率是一个向量，每个单元对应一个分量，因此雅可比矩阵为 $\\operatorname{diag}(\\sigma'(z_t))\\,W_{hh}$：用第 $i$ 个单元的斜率缩放 $W_{hh}$ 的第 $i$ 行。标量形式只在只有一个单元或所有斜率都相等时才成立。",
    'A hundred sigmoid steps': '一百步 sigmoid',
    'With the sigmoid over 100 steps, $0.25^{100} \\approx 10^{-60}$.': '使用 sigmoid 经过 100 步后，$0.25^{100} \\approx 10^{-60}$。',
    'The exact value, derived in the evidence, has the power of ten right but not the leading digit; and the case is the best one (slope exactly $1/4$ at every step), not a typical one.': '与“依据”中推导出的精确值相比，这一近似的 10 的幂次正确，但首位数字不对；而且这是最好情形（每一步的斜率都恰好为 $1/4$），并非典型情形。',
    'The slopes of sigmoid and tanh': 'sigmoid 与 tanh 的斜率',
    "The sigmoid's derivative is at most $0.25$ and the tanh's at most $1$, both at $0$.": 'sigmoid 的导数至多为 $0.25$，tanh 的导数至多为 $1$，二者都在 $0$ 处取到。',
    'Both maxima are derived through the critical point and confirmed as global maxima.': '两个最大值都通过临界点推导得出，并确认是全局最大值。',
    'Decay with tanh when the weights are small': '权重较小时 tanh 网络的梯度衰减',
    'With tanh, gradients still decay when the modulus of $W_{hh}$ is below $1$.': '使用 tanh 时，若 $W_{hh}$ 的模小于 $1$，梯度仍会衰减。',
    'True when the modulus is the spectral norm (largest singular value): the span Jacobian is then at most $\\lVert W_{hh} \\rVert_2^k$. It is false for other readings: a matrix whose entries are all below $1$ can have spectral norm above $1$ and let the gradient grow.': '若“模”指谱范数（最大奇异值），则成立：此时多步雅可比矩阵的范数至多为 $\\lVert W_{hh} \\rVert_2^k$。按其他理解则不成立：一个所有元素都小于 $1$ 的矩阵，其谱范数可能大于 $1$，从而使梯度增长。',
    'ReLU: no compression, but explosion and dead units': 'ReLU：没有压缩，但有梯度爆炸和死亡神经元',
    'ReLU has derivative $1$ for positive inputs, so it does not compress the gradient, but it can make gradients explode or units die.': 'ReLU 在正输入处的导数为 $1$，因此不会压缩梯度，但可能导致梯度爆炸或神经元死亡。',
    'For active units the step Jacobian is exactly $W_{hh}$, so nothing damps a large $W_{hh}$; an inactive unit zeros its row of the Jacobian and blocks every path through it.': '对于激活的单元，单步雅可比矩阵恰为 $W_{hh}$，因此没有任何机制能抑制过大的 $W_{hh}$；未激活的单元会把雅可比矩阵中对应的行置零，阻断经过它的所有通路。',
    'Large recurrent weights make gradients explode': '循环权重过大导致梯度爆炸',
    'When the modulus of $W_{hh}$ exceeds $1$ the product grows, and gradients explode.': '当 $W_{hh}$ 的模大于 $1$ 时，乘积不断增大，梯度发生爆炸。',
    'Pascanu, Mikolov and Bengio (2013) show that a largest singular value above $1/\\gamma$ is necessary for explosion but not sufficient: saturated units can make the slopes so small that the product still vanishes.': 'Pascanu, Mikolov and Bengio (2013) 证明，最大奇异值大于 $1/\\gamma$ 是梯度爆炸的必要条件而非充分条件：饱和的单元可能使斜率小到乘积仍然趋于零。',
    'LSTM and GRU pass gradients nearly unchanged': 'LSTM 与 GRU 让梯度几乎不变地传递',
    'LSTM and GRU control the flow with gates so that gradients pass back at a nearly constant size.': 'LSTM 和 GRU 用门控制信息流，使梯度以几乎恒定的大小反向传播。',
    'Only along the cell path (the direct path for a GRU), whose one-step Jacobian is $\\operatorname{diag}(f_t)$, and only while the forget gates stay near 1. Other paths carry recurrent weights and slopes as in a simple RNN.': '这只在细胞状态通路（对 GRU 而言是直接通路）上成立，其单步雅可比矩阵为 $\\operatorname{diag}(f_t)$，而且仅当遗忘门保持在 1 附近时成立。其他通路与简单循环神经网络一样，带有循环权重和斜率。',
    'Xavier initialisation and the norm of the weights': 'Xavier 初始化与权重的范数',
    "Initialising $W_{hh}$ with Xavier's scheme makes its modulus close to $1$, which slows the decay.": '用 Xavier 初始化 $W_{hh}$ 会使其模接近 $1$，从而减缓衰减。',
    "For a square Gaussian $W_{hh}$ with Xavier's variance the spectral radius approaches $1$, but the spectral norm, which the bound on the gradient uses, approaches $2$. Orthogonal initialisation gives exactly $1$.": '对于方差取 Xavier 值的高斯方阵 $W_{hh}$，谱半径趋近于 $1$，但梯度上界所用的谱范数趋近于 $2$。正交初始化则恰好给出 $1$。',
    'Gradient clipping and vanishing': '梯度裁剪与梯度消失',
    'Clipping limits the size of the gradient, prevents explosion, and also partly relieves vanishing.': '梯度裁剪限制梯度的大小，防止梯度爆炸，也能部分缓解梯度消失。',
    'Clipping rescales a gradient only when its norm exceeds the threshold, and never enlarges one; it tames explosion but cannot help a vanishing gradient.': '梯度裁剪只在梯度范数超过阈值时才对其缩放，且从不放大梯度；它能抑制梯度爆炸，但对梯度消失无能为力。',
    'Residual connections': '残差连接',
    'Skip connections, as in ResNet, let the gradient reach earlier steps directly.': '像 ResNet 那样的跳跃连接让梯度可以直接到达更早的时间步。',
    "The step Jacobian becomes $I + \\operatorname{diag}(\\sigma'(z_t))\\,W_{hh}$: an identity path that survives even when every unit saturates. The product of such factors can still grow without bound, so the remedy for vanishing can open the door to explosion.": "单步雅可比矩阵变为 $I + \\operatorname{diag}(\\sigma'(z_t))\\,W_{hh}$：即使所有单元都饱和，这条恒等通路依然存在。但这类因子的乘积仍可能无界增长，因此治疗梯度消失的方法可能为梯度爆炸打开大门。",
}


class TranslationError(KeyError):
    """A text shown on a page of another language has no translation."""

    def __str__(self) -> str:
        return self.args[0]


def translate(text: str, lang: str, where: str) -> str:
    """``text`` in ``lang``; ``where`` names the equation or claim in the error."""
    if lang == "en":
        return text
    if lang != "zh":
        raise TranslationError(f"{where}: unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    try:
        return ZH[text]
    except KeyError:
        raise TranslationError(f"{where}: no Chinese translation in derivations/translations.py for {text!r}") from None
