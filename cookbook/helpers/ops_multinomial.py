def ops_multinomial(input, num_samples, replacement=False):
    """torch.multinomial: int32 category indices drawn with probabilities proportional to `input` (last
    axis). Without replacement it takes the top num_samples of log(p) + Gumbel noise, which draws
    distinct categories with torch's sequential-sampling distribution."""
    logits = mx.log(input)
    if replacement:
        return mx.random.categorical(logits, num_samples=num_samples).astype(mx.int32)
    gumbel = -mx.log(-mx.log(mx.random.uniform(shape=input.shape)))
    order = mx.argsort(-(logits + gumbel), axis=-1)
    return mx.take(order, mx.arange(num_samples), axis=-1).astype(mx.int32)
