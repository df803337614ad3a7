"""A multilayer perceptron for MNIST-sized inputs."""
import mlx.nn as nn


class MLP(nn.Module):
    """Three fully connected layers with ReLU and dropout between them."""

    def __init__(self, input_size=784, hidden_size=256, num_classes=10, dropout=0.2):
        super(MLP, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size // 2)
        self.fc3 = nn.Linear(hidden_size // 2, num_classes)
        self.dropout = nn.Dropout(dropout)

    def __call__(self, x):
        # flatten the image: (N, 1, 28, 28) -> (N, 784)
        x = x.reshape(x.shape[0], -1)
        x = nn.relu(self.fc1(x))
        x = self.dropout(x)
        x = nn.relu(self.fc2(x))
        x = self.dropout(x)
        x = self.fc3(x)
        return x


# c2m: torch state_dict keys and layouts -> MLX parameters (read by `c2m weights --map` and sanitize())
C2M_TOP_LEVEL = "MLP"
C2M_WEIGHT_MAPS = {
    "MLP": [],
}
