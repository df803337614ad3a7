from .resnest import *
from .ablation import *
