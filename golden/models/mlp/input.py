"""A multilayer perceptron for MNIST-sized inputs."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    """Three fully connected layers with ReLU and dropout between them."""

    def __init__(self, input_size=784, hidden_size=256, num_classes=10, dropout=0.2):
        super(MLP, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size // 2)
        self.fc3 = nn.Linear(hidden_size // 2, num_classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        # flatten the image: (N, 1, 28, 28) -> (N, 784)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = self.dropout(x)
        x = F.relu(self.fc2(x))
        x = self.dropout(x)
        x = self.fc3(x)
        return x
