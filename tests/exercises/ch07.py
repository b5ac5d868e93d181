"""Chapter 7: typical mistakes in the coding exercises and their rejections."""

_GRAM_UNNORMALISED = '''
def gram(features):
    b, h, w, n = features.shape
    flat = tf.reshape(features, (b, h * w, n))
    return tf.einsum("bki,bkj->bij", flat, flat)
'''
_GRAM_POSITIONS = '''
def gram(features):
    b, h, w, n = features.shape
    flat = tf.reshape(features, (b, h * w, n))
    return tf.einsum("bik,bjk->bij", flat, flat) / (h * w)
'''
_GRAM_RESHAPED = '''
def gram(features):
    b, h, w, n = features.shape
    flat = tf.reshape(features, (b, n, h * w))  # does not move the channel axis
    return tf.matmul(flat, flat, transpose_b=True) / (h * w)
'''
_GRAM_BY_NM = '''
def gram(features):
    b, h, w, n = features.shape
    flat = tf.reshape(features, (b, h * w, n))
    return tf.einsum("bki,bkj->bij", flat, flat) / (h * w * n)
'''

_TV_SUM = '''
def tv_loss(images):
    dy = images[:, 1:] - images[:, :-1]
    dx = images[:, :, 1:] - images[:, :, :-1]
    return tf.reduce_sum(dy**2, [1, 2, 3]) + tf.reduce_sum(dx**2, [1, 2, 3])
'''
_TV_L1 = '''
def tv_loss(images):
    dy = images[:, 1:] - images[:, :-1]
    dx = images[:, :, 1:] - images[:, :, :-1]
    l1 = tf.reduce_mean(tf.abs(dy), [1, 2, 3])
    return l1 + tf.reduce_mean(tf.abs(dx), [1, 2, 3])
'''
_TV_VERTICAL = '''
def tv_loss(images):
    dy = images[:, 1:] - images[:, :-1]
    return tf.reduce_mean(dy**2, [1, 2, 3])
'''
_TV_SCALAR = '''
def tv_loss(images):
    dy = images[:, 1:] - images[:, :-1]
    dx = images[:, :, 1:] - images[:, :, :-1]
    return tf.reduce_mean(dy**2) + tf.reduce_mean(dx**2)
'''

# The style loss, with {TERM} (per layer), {GRAM} (normalisation) and {TOTAL} to vary.
_STYLE = '''
def style_loss(features, targets):
    terms = []
    for name, a in targets.items():
        f = features[name]
        b, h, w, n = f.shape
        flat = tf.reshape(f, (b, h * w, n))
        g = tf.einsum("bki,bkj->bij", flat, flat){GRAM}
        terms.append({TERM})
    return {TOTAL}
'''
_RELATIVE = "tf.reduce_sum((g - a) ** 2, [1, 2]) / tf.reduce_sum(a**2, [1, 2])"
_MEAN = "tf.add_n(terms) / len(terms)"


def _style(term=_RELATIVE, gram=" / (h * w)", total=_MEAN):
    code = _STYLE.replace("{TERM}", term).replace("{GRAM}", gram)
    return code.replace("{TOTAL}", total)


MISTAKES = {
    "7.2": [
        (_GRAM_UNNORMALISED, "divide the sum over positions"),
        (_GRAM_POSITIONS, "positions by positions"),
        (_GRAM_RESHAPED, "mixes positions and channels"),
        (_GRAM_BY_NM, "not by M·N"),
    ],
    "7.3": [
        (_TV_SUM, "is a sum where the chapter takes means"),
        (_TV_L1, "absolute differences"),
        (_TV_VERTICAL, "only vertical neighbours"),
        (_TV_SCALAR, "one value for each"),
    ],
    "7.4": [
        # the layers summed, not averaged
        (_style(total="tf.add_n(terms)"), "you summed them"),
        # the absolute squared error, not the relative one
        (_style(term="tf.reduce_sum((g - a) ** 2, [1, 2])"), "relative error"),
        # the image's Gram matrices not divided by M
        (_style(gram=""), "not divided by the number of positions"),
        # one number for the whole batch
        (_style(term="tf.reduce_sum((g - a) ** 2) / tf.reduce_sum(a**2)"),
         "one loss per image"),
    ],
}
