/**
 * Every diagnostic c2m can report. docs/diagnostics.md is generated from this table; codes are stable:
 * never renumber, only add.
 */
import { KERNEL_DIAGNOSTIC_CODES } from "./kernel/diagnostic-codes.js";

export interface DiagnosticCode {
  code: string;
  title: string;
  hint: string;
  /** a minimal input that triggers it */
  example: string;
}

export const DIAGNOSTIC_CODES: DiagnosticCode[] = [
  { code: "C2M-E001", title: "syntax error in input", hint: "fix the Python syntax error first; c2m translates only code that parses", example: "def f(:" },
  { code: "C2M-E002", title: "input is not a text source file", hint: "pass a UTF-8 Python (.py) or CUDA (.cu/.cuh) file", example: "<binary bytes>" },
  { code: "C2M-E003", title: "input file too large", hint: "split the file, or raise --max-bytes", example: "<a 50 MB file>" },
  { code: "C2M-E004", title: "cannot read input path", hint: "check that the path exists and is readable", example: "c2m compile missing.py" },
  { code: "C2M-E005", title: "refusing to overwrite the input file", hint: "choose a different -o path", example: "c2m compile m.py -o m.py" },
  { code: "C2M-E006", title: "internal error on this file", hint: "a c2m bug: the other files were still processed; please report it with the file that triggers it", example: "<an input that crashes the compiler>" },
  { code: "C2M-E007", title: "input nests too deeply", hint: "c2m's recursive passes have a depth limit (about a thousand levels); split the expression", example: "((((…1,000 levels…))))" },
  { code: "C2M-W001", title: "unsupported torch layer", hint: "write the MLX layer by hand, or add a mapping/plugin for it", example: "nn.Bilinear(2, 2, 2)" },
  { code: "C2M-W002", title: "unsupported torch op", hint: "rewrite this call with mlx.core ops, or add a rule for it", example: "torch.special.zeta(x, y)" },
  { code: "C2M-W003", title: "unsupported argument value", hint: "the MLX op does not support this argument; rewrite by hand", example: "nn.Conv2d(3, 8, 3, padding_mode='circular')" },
  { code: "C2M-W004", title: "in-place tensor op rewritten as assignment", hint: "MLX arrays are immutable; check no alias relied on the in-place update", example: "x.add_(1)" },
  { code: "C2M-W005", title: "device / memory-format call dropped", hint: "MLX uses unified memory; nothing to do", example: "x.cuda()" },
  { code: "C2M-W006", title: "layout conversion inserted", hint: "a channels-last value meets an op whose meaning depends on axis order; c2m inserted a transpose", example: "x.view(B, -1) after a conv" },
  { code: "C2M-W007", title: "unknown callee; value assumed layout-agnostic", hint: "c2m cannot see this function; its input was converted to torch layout", example: "external_fn(x)" },
  { code: "C2M-W008", title: "training-only code path", hint: "this branch runs only in training; check its MLX form if you train", example: "if self.training: ..." },
  { code: "C2M-W009", title: "weights for this layer cannot be mapped statically", hint: "add a sanitize rule by hand", example: "self.layers = nn.ModuleList(make_layers())" },
  { code: "C2M-W010", title: "unsupported Python construct in model code", hint: "rewrite it by hand", example: "torch.jit.script(...)" },
  { code: "C2M-W011", title: "weight initialisation not translated", hint: "load converted torch weights (c2m weights), or port the init with mlx.nn.init by hand", example: "nn.init.kaiming_normal_(m.weight)" },
  { code: "C2M-W012", title: "base class cannot be followed; not known whether the class is an nn.Module", hint: "put the library that defines the base on the search path (--python-path, or the active virtual environment), or copy its file into the folder you compile", example: "from missing_lib import Base\nclass Net(Base):\n    def forward(self, x): ..." },
  { code: "C2M-W013", title: "module class of another file called with a layout c2m cannot carry across files", hint: "that class is used inside its own file too, so its forward may prefer channels-last; check the call, or compile with --layout torch", example: "from .blocks import ConvBN  # ConvBN is also used by a class of blocks.py" },
  { code: "C2M-W014", title: "setattr with a name c2m cannot compute; the attribute's weights are not mapped", hint: "use a string constant, or a loop over a literal list or range(N) with a literal N", example: "setattr(self, name, nn.Linear(2, 2))" },
  { code: "C2M-W015", title: "a constructor parameter is called to build a layer, and no call site says what it is", hint: "compile the file together with the code that builds this class (its folder), or give the parameter a default", example: "class Stage(nn.Module):\n    def __init__(self, block):\n        self.b = block(8)" },
];

/** Every code, the kernel compiler's C2M-K… included (docs/diagnostics.md lists them all). */
export const ALL_DIAGNOSTIC_CODES: DiagnosticCode[] = [...DIAGNOSTIC_CODES, ...KERNEL_DIAGNOSTIC_CODES];

export const CODES_BY_ID: Map<string, DiagnosticCode> = new Map(ALL_DIAGNOSTIC_CODES.map((c) => [c.code, c]));
