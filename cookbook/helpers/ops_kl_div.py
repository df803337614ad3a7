def ops_kl_div(input, target, reduction="mean", log_target=False):
    """torch F.kl_div: `input` holds log-probabilities; pointwise target * (log(target) - input), zero
    where target is 0. reduction 'mean' averages every element; 'batchmean' divides the sum by the batch."""
    if log_target:
        loss = mx.exp(target) * (target - input)
    else:
        loss = mx.where(target > 0, target * (mx.log(mx.where(target > 0, target, 1)) - input), 0)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return mx.sum(loss)
    if reduction == "batchmean":
        return mx.sum(loss) / input.shape[0]
    return mx.mean(loss)
