from .modeling import *
from ._deeplab import convert_to_separable_conv