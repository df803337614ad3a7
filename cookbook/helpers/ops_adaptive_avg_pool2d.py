def ops_adaptive_avg_pool2d(input, output_size):
    """torch F.adaptive_avg_pool2d on a channels-last (N, H, W, C) input: output cell i averages rows
    floor(i*H/oh) .. ceil((i+1)*H/oh), as torch does; None keeps that size."""
    height, width = input.shape[1], input.shape[2]
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    oh, ow = oh or height, ow or width
    if height % oh == 0 and width % ow == 0:
        n, _, _, c = input.shape
        return mx.mean(input.reshape(n, oh, height // oh, ow, width // ow, c), axis=(2, 4))
    rows = []
    for i in range(oh):
        h0, h1 = (i * height) // oh, -(-((i + 1) * height) // oh)
        cells = [mx.mean(input[:, h0:h1, (j * width) // ow : -(-((j + 1) * width) // ow), :], axis=(1, 2)) for j in range(ow)]
        rows.append(mx.stack(cells, axis=1))
    return mx.stack(rows, axis=1)
