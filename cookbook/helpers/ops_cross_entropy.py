def ops_cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """torch F.cross_entropy: classes on axis 1 (axis 0 for one sample); `target` holds class indices
    or, when floating, class probabilities; per-class `weight`; `ignore_index`; weighted mean."""
    axis = 0 if input.ndim == 1 else 1
    n_classes = input.shape[axis]
    logp = input - mx.logsumexp(input, axis=axis, keepdims=True)
    class_weight = mx.ones((n_classes,), dtype=logp.dtype) if weight is None else weight
    bshape = [1] * input.ndim
    bshape[axis] = n_classes
    wlogp = logp * class_weight.reshape(bshape)
    if mx.issubdtype(target.dtype, mx.floating):
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        loss = -mx.sum(wlogp * target, axis=axis)
        if reduction == "none":
            return loss
        return mx.sum(loss) if reduction == "sum" else mx.sum(loss) / max(loss.size, 1)
    valid = target != ignore_index
    safe_target = mx.where(valid, target, 0)
    picked = mx.take_along_axis(wlogp, mx.expand_dims(safe_target, axis), axis=axis).squeeze(axis)
    loss = -picked * valid
    if label_smoothing:
        smooth = -mx.sum(wlogp, axis=axis) * valid
        loss = (1 - label_smoothing) * loss + (label_smoothing / n_classes) * smooth
    if reduction == "none":
        return loss
    if reduction == "sum":
        return mx.sum(loss)
    return mx.sum(loss) / mx.sum(mx.take(class_weight, safe_target) * valid)
