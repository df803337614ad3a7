/**
 * Every diagnostic c2m can report. docs/diagnostics.md is generated from this table; codes are stable:
 * never renumber, only add.
 */
import { KERNEL_DIAGNOSTIC_CODES } from "./kernel-diagnostic-codes.js";

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
  {
    code: "C2M-E006",
    title: "internal error on this file",
    hint: "a c2m bug: the other files were still processed; please report it with the file that triggers it",
    example: "<an input that crashes the compiler>",
  },
  {
    code: "C2M-E007",
    title: "input nests too deeply",
    hint: "c2m's recursive passes have a depth limit (about a thousand levels); split the expression",
    example: "((((…1,000 levels…))))",
  },
  { code: "C2M-E008", title: "input is not a regular file", hint: "pass a regular file; c2m does not read devices, FIFOs or sockets", example: "c2m compile /dev/zero" },
  {
    code: "C2M-E009",
    title: "refusing to write through a link at the output",
    hint: "the -o path is a symbolic link or not a regular file; remove it or choose another path",
    example: "ln -s model.py out.py && c2m compile model.py -o out.py",
  },
  { code: "C2M-E010", title: "Python 2 syntax", hint: "c2m reads Python 3: port the file first (print(...), except E as e, no backticks or <>)", example: 'print "hello"' },
  {
    code: "C2M-E011",
    title: "inconsistent use of tabs and spaces in indentation",
    hint: "Python 3 rejects this indentation (TabError); indent with spaces only",
    example: "if x:\n        a = 1\n\tb = 2",
  },
  {
    code: "C2M-E012",
    title: "checkpoint over a reader limit",
    hint: "an archive entry, an inflated size or a pickled value is larger than a real checkpoint holds; the file is corrupt or hostile",
    example: "<a 2 MiB .pt whose data.pkl inflates to 2 GiB>",
  },
  {
    code: "C2M-E013",
    title: "expanded tensor over the limit",
    hint: "a stride-0 (broadcast) tensor stores far fewer bytes than it expands to; pass --allow-expand to write it anyway",
    example: "torch.save({'w': torch.zeros(1).expand(200_000_000)}, 'x.pt')",
  },
  {
    code: "C2M-E014",
    title: "invalid safetensors file",
    hint: "the file breaks the safetensors format as huggingface/safetensors validates it; re-save it",
    example: "<a header whose data_offsets overlap>",
  },
  {
    code: "C2M-E015",
    title: "invalid kernel or parity spec file",
    hint: "fix the field the message names (see golden/kernels/*.spec.json for the format)",
    example: '{"sizes": "big"}',
  },
  { code: "C2M-E016", title: "invalid rule or plugin file", hint: "fix the rule or plugin at the location given", example: "rule r { match: `foo(` replace: `bar()` }" },
  { code: "C2M-E017", title: "interrupted", hint: "c2m was stopped by a signal; no partial output was left", example: "<Ctrl-C during c2m compile DIR -o OUT>" },
  { code: "C2M-W001", title: "unsupported torch layer", hint: "write the MLX layer by hand, or add a mapping/plugin for it", example: "nn.Bilinear(2, 2, 2)" },
  { code: "C2M-W002", title: "unsupported torch op", hint: "rewrite this call with mlx.core ops, or add a rule for it", example: "torch.special.zeta(x, y)" },
  {
    code: "C2M-W003",
    title: "unsupported argument value",
    hint: "the MLX op does not support this argument; rewrite by hand",
    example: "nn.Conv2d(3, 8, 3, padding_mode='circular')",
  },
  { code: "C2M-W004", title: "in-place tensor op rewritten as assignment", hint: "MLX arrays are immutable; check no alias relied on the in-place update", example: "x.add_(1)" },
  { code: "C2M-W005", title: "device / memory-format call dropped", hint: "MLX uses unified memory; nothing to do", example: "x.cuda()" },
  {
    code: "C2M-W006",
    title: "layout conversion inserted",
    hint: "a channels-last value meets an op whose meaning depends on axis order; c2m inserted a transpose",
    example: "x.view(B, -1) after a conv",
  },
  {
    code: "C2M-W007",
    title: "unknown callee; value assumed layout-agnostic",
    hint: "c2m cannot see this function; its input was converted to torch layout",
    example: "external_fn(x)",
  },
  { code: "C2M-W008", title: "training-only code path", hint: "this branch runs only in training; check its MLX form if you train", example: "if self.training: ..." },
  { code: "C2M-W009", title: "weights for this layer cannot be mapped statically", hint: "add a sanitize rule by hand", example: "self.layers = nn.ModuleList(make_layers())" },
  { code: "C2M-W010", title: "unsupported Python construct in model code", hint: "rewrite it by hand", example: "torch.jit.script(...)" },
  {
    code: "C2M-W011",
    title: "weight initialisation not translated",
    hint: "load converted torch weights (c2m weights), or port the init with mlx.nn.init by hand",
    example: "nn.init.kaiming_normal_(m.weight)",
  },
  {
    code: "C2M-E020",
    title: "emitted Python does not parse",
    hint: "a c2m bug: the translation produced invalid Python here; rewrite this statement by hand and please report it",
    example: "torch.ones(n, **dd)  ->  mx.ones((n, **dd))",
  },
  {
    code: "C2M-E021",
    title: "empty block in the output",
    hint: "every statement of this block was dropped in translation; add `pass` or port the block by hand",
    example: "if self.training:\n    x = self.dropout(x)",
  },
  {
    code: "C2M-E022",
    title: "name not defined in the output",
    hint: "the output reads a name nothing defines (a dropped import, a helper not emitted); import or define it",
    example: "def f(x):\n    return math.sqrt(x)   # no `import math`",
  },
  {
    code: "C2M-E023",
    title: "torch name left in the output",
    hint: "this torch name was not translated and the port cannot import torch; translate it by hand or add a table row",
    example: "def f(x: torch.Size): ...",
  },
  {
    code: "C2M-E024",
    title: "MLX has no such attribute",
    hint: "the output names an mx./nn. attribute the targeted MLX lacks; pick the MLX equivalent",
    example: "nn.Hardsigmoid()",
  },
  {
    code: "C2M-E025",
    title: "method or attribute missing on an array or module",
    hint: "mx.array and mlx.nn.Module lack this method (a torch in-place method, .data, add_module); rewrite it with MLX operations",
    example: "mask.triu_(1)",
  },
  {
    code: "C2M-E026",
    title: "internal error in one function; kept as written",
    hint: "a c2m bug: this function was left untranslated (the rest of the file was compiled); port it by hand and please report it",
    example: "<a function that crashes the translator>",
  },
  {
    code: "C2M-E027",
    title: "import does not resolve in the output package",
    hint: "the module is not part of the package being compiled; compile the folder that holds it too",
    example: "from ..utils import helper   # outside the compiled folder",
  },
  {
    code: "C2M-E036",
    title: "torch's out= argument where the call's value is also used",
    hint: "the op writes its result into out and returns it; MLX's op returns a new array. Write the result and the target in two statements (`out[...] = op(...)`, then use out); a call standing alone as a statement is translated so",
    example: "y = torch.mm(a, b, out=buf)",
  },
  {
    code: "C2M-E040",
    title: "an attribute may hold layers whose torch weights convert differently",
    hint: "the weight map is per class: a ConvTranspose2d and a Conv2d under one name (chosen by a constructor argument) need different weight layouts, and the converter cannot tell which the model holds; give each its own attribute name, or convert that weight by hand",
    example: "self.conv = nn.ConvTranspose2d(c, c, 4, 2) if transpose else nn.Conv2d(c, c, 3)",
  },
  {
    code: "C2M-E050",
    title: "torch name evaluated on import has no MLX translation",
    hint: "the output binds it to Untranslated(...), so the module still imports and only a use of it raises; port that use by hand or add a mapping",
    example: "class Fn(torch.autograd.Function): ...",
  },
  {
    code: "C2M-W020",
    title: "the output imports a third-party library",
    hint: "the port needs this library installed beside MLX; check that it works without torch",
    example: "import einops",
  },
  {
    code: "C2M-W030",
    title: "*args splat cannot be matched to a torch signature",
    hint: "pass the arguments by name, or check them against the MLX layer's parameters by hand",
    example: "nn.Conv2d(*conv_args)",
  },
  {
    code: "C2M-W031",
    title: "**kwargs of a torch op or layer not checked",
    hint: "c2m cannot see which keywords the dict holds; check they exist on the MLX op or layer (torch's device and dtype are dropped)",
    example: "nn.Conv2d(3, 8, 3, **kwargs)",
  },
  {
    code: "C2M-W032",
    title: "in-place update of a value that cannot be assigned back",
    hint: "MLX arrays are immutable: keep the result (x = ...) where the tensor lives, e.g. in the attribute it came from",
    example: "self.get_mask().fill_(0)",
  },
  {
    code: "C2M-W012",
    title: "base class cannot be followed; not known whether the class is an nn.Module",
    hint: "put the library that defines the base on the search path (--python-path, or the active virtual environment), or copy its file into the folder you compile",
    example: "from missing_lib import Base\nclass Net(Base):\n    def forward(self, x): ...",
  },
  {
    code: "C2M-W013",
    title: "module class of another file called with a layout c2m cannot carry across files",
    hint: "that class is used inside its own file too, so its forward may prefer channels-last; check the call, or compile with --layout torch",
    example: "from .blocks import ConvBN  # ConvBN is also used by a class of blocks.py",
  },
  {
    code: "C2M-W014",
    title: "setattr or add_module with a name c2m cannot compute; the attribute's weights are mapped by a rule for any name the class does not otherwise hold",
    hint: "use a string constant, or a loop over a literal list or range(N) with a literal N; check the converted weights load (strict)",
    example: "setattr(self, name, nn.Linear(2, 2))",
  },
  {
    code: "C2M-W015",
    title: "a constructor parameter is called to build a layer, and no call site says what it is",
    hint: "compile the file together with the code that builds this class (its folder), or give the parameter a default",
    example: "class Stage(nn.Module):\n    def __init__(self, block):\n        self.b = block(8)",
  },
  {
    code: "C2M-W040",
    title: "an optional dependency that needs torch: the port takes its fallback",
    hint: "the import inside `try: ... except ImportError:` becomes `raise ImportError(...)`, so the except clause runs as on a machine without torch; port the feature by hand if the port needs it",
    example: "try:\n    import torchcodec\nexcept ImportError:\n    torchcodec = None",
  },
  {
    code: "C2M-W021",
    title: "a torch name is left inside a string annotation",
    hint: "Python does not evaluate a string annotation on import, but typing.get_type_hints and type checkers read it: write the MLX type (mx.array, nn.Module, mx.Dtype) in its place",
    example: 'def f(x: "torch.Generator"): ...',
  },
  {
    code: "C2M-W052",
    title: "names imported from torch in a try that catches ImportError: the port runs the except branch, the code's own fallback",
    hint: "the import becomes `raise ImportError(...)`, so the names are what the fallback defines (as on a torch without them); check that the fallback suits the port",
    example: "try:\n    from torch._dynamo import allow_in_graph as maybe_allow_in_graph\nexcept ImportError:\n    def maybe_allow_in_graph(cls):\n        return cls",
  },
  {
    code: "C2M-W041",
    title: "a removed import's name is read where c2m has no translation: bound to a placeholder",
    hint: "each use carries its own marker (C2M-W002, C2M-W001, C2M-E023); the name is bound once to Untranslated(...), so the module imports and only those uses raise; port them by hand",
    example: "import torch\n\ndef f(x):\n    torch._check(x.shape[0] > 0)",
  },
  {
    code: "C2M-W022",
    title: "the modules a call may reach take different layouts",
    hint: "the callee is one of several modules (branches, items of one Sequential) that do not agree on channels-last or torch layout, and c2m_sequential cannot run them by layout (several tensor arguments, or a class whose forward takes a permuted layout): c2m passes torch's layout, which a channels-last one (a conv) misreads; call them one by one",
    example: "layers.append(ConvBN(c)); layers.append(SqueezeExcite(c)); self.block = nn.Sequential(*layers)",
  },
  {
    code: "C2M-W057",
    title: "the items of a tuple or list are held in different layouts, and c2m cannot tell which an item read here has",
    hint: "the items (one a conv's channels-last result, one in torch's layout) are read without their position (iterated, sliced, indexed by a computed index, joined from branches), and an item is no name c2m can convert where it is defined: bind each item to a name before building the tuple, or read them by literal position",
    example: "feats = (self.conv(x), x.reshape(b, c, h, w))\nfor f in feats:\n    out = out + f.sum(dim=1)",
  },
  {
    code: "C2M-W061",
    title: "an attribute set on a tensor is dropped",
    hint: "an MLX array holds no attributes; torch's autograd flags (requires_grad on a local tensor) and hints only code outside the model reads (an optimizer's _no_weight_decay) have no meaning for inference in MLX, so the statement is kept as a comment: nothing to do unless you train with it",
    example: "pe = torch.zeros(8, 4)\npe.require_grad = False",
  },
  {
    code: "C2M-W062",
    title: "an attribute set on a tensor is read back: an MLX array cannot hold it",
    hint: "torch's tensors accept any attribute; mx.array accepts none, so the statement stays as written and raises where the port runs it. Keep the value beside the array (a variable, a module attribute, a tuple) and read it from there",
    example: "x = torch.zeros(4)\nx.scale = 2.0\ny = x * x.scale",
  },
  {
    code: "C2M-W058",
    title: "a model's class parameter is translated for the classes c2m saw it hold: the port refuses the file's other classes there",
    hint: "a user building the model may pass another class of the file (PoolFormer's norm_layer=LayerNormChannel in place of GroupNorm); the layouts and weight map are made for the default and what the file's own constructions pass, so the port raises NotImplementedError when built with another class of the file (classes from outside the file pass): construct the model with that class somewhere in the file (a model function) and compile again, so that c2m translates it too",
    example: "class PoolFormer(nn.Module):\n    def __init__(self, dim=64, norm_layer=GroupNorm):\n        self.norm = norm_layer(dim)",
  },
  {
    code: "C2M-W045",
    title: "a loop target from an attribute c2m cannot type is called: module or function is not known",
    hint: "the loop runs over self.<attr> (directly, or through zip or enumerate) and the module tree does not know what that attribute holds, so c2m passes torch's layout to the call, which a module taking channels-last (a conv) misreads; build the attribute in __init__ from layers or module classes c2m can see (nn.ModuleList, nn.Sequential), or compile the file with the package that builds it",
    example: "for blk, norm in zip(self.blocks, self.norms):\n    x = norm(blk(x))",
  },
  {
    code: "C2M-W028",
    title: "a torch layer attribute MLX's layer does not keep, read as a stand-in value",
    hint: "torch's BatchNorm counts training batches in num_batches_tracked (used only when momentum is None); MLX's BatchNorm has no counter, so the read gives a fresh 0 and a write to it is lost: port the code that depends on the count by hand",
    example: "for m in model.modules():\n    if hasattr(m, 'running_mean'):\n        m.num_batches_tracked.zero_()",
  },
  {
    code: "C2M-E028",
    title: "retired: weights a library ties at run time (no longer reported)",
    hint: "tied parameters stay one array in the port (C2MModuleMixin), so transformers' _tied_weights_keys needs no diagnostic; the code is kept so that it is never reused",
    example: 'class LM(PreTrainedModel):\n    _tied_weights_keys = {"lm_head.weight": "model.embed_tokens.weight"}',
  },
  {
    code: "C2M-W027",
    title: "custom autograd Function: forward translated, backward not used",
    hint: "Fn.apply(...) runs the class's forward (C2MAutogradFunction); MLX differentiates the operations forward runs, so a backward that computes the same gradient more cheaply (a memory-saving activation) changes nothing; a backward that computes something else (a straight-through estimator) must be ported with mx.custom_function by hand",
    example: "class SwishFn(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x): ...",
  },
  {
    code: "C2M-E031",
    title: "retired: the modules a container is built from are not known (now C2M-W023: their weights are resolved when the model loads)",
    hint: "the weights of a container whose items come from a call c2m cannot follow are resolved against the built modules by the emitted class's load_weights (C2M-W023); the code is kept so that it is never reused",
    example: "builder = EfficientNetBuilder(...)\nself.blocks = nn.Sequential(*builder(stem_size, block_args))",
  },
  {
    code: "C2M-E032",
    title: "a module class given to another file's model or registry: that model's weight map does not hold it",
    hint: "the class reaches a model defined in another file (passed to it from this file, or registered by name for it to build), and that model's weight map is emitted with its own file, from the classes that file can see: the class's weights are not mapped when the model holds it; convert them with this class's own map, or build the model in this file",
    example: "register_block('mobilevit', MobileVitBlock)\nbuild_model_with_cfg(ResNet, variant, pretrained, block=Bottle2neck)",
  },
  {
    code: "C2M-W023",
    title: "the modules a container holds are built at run time: their weights are resolved when the model loads them",
    hint: "the items come from a call c2m cannot follow (a builder object, a function decoding string architecture definitions), so the weight map has no static rules for them: `c2m weights` keeps their keys under their torch names (`torch:blocks.0.0.conv.weight`), and the emitted class's load_weights resolves each against the module built at that path (its class's own weight map, or a layer's known layout, conv → OHWI); a key whose module is no layer c2m knows raises there. Load through the emitted class (model.load_weights), not MLX's loader alone",
    example: "builder = EfficientNetBuilder(...)\nself.blocks = nn.Sequential(*builder(stem_size, block_args))",
  },
  {
    code: "C2M-W024",
    title: "a module class registered into another file's block table: the model there resolves its weights when it loads",
    hint: "in a package compile, a block table that other files fill through a function of its file (byobnet's _block_registry, filled by register_block from mobilevit.py) may hold classes the table's own file cannot see: the weight map of a model building blocks from it leaves their keys to run time, and the model's load_weights resolves each against the built block (its class's own weight map); load through the emitted class. Compiled alone, the table's file does not know it (C2M-E032)",
    example: "register_block('mobilevit', MobileVitBlock)",
  },
  {
    code: "C2M-W025",
    title: "a library decorator that returns the function it is given: the port keeps the function, not the registration",
    hint: "the library's source shows the function returns its argument unchanged (timm's register_model adds a model function to timm's registry): the port binds the name to a function that does the same, so the decorated functions work; whatever looks them up in the library's registry (timm.create_model) is not ported",
    example: "from timm.models.registry import register_model\n\n@register_model\ndef convnext_tiny(**kwargs): ...",
  },
  {
    code: "C2M-W042",
    title: "a torch load_state_dict hook is dropped",
    hint: "torch runs the hook inside load_state_dict (transformers' Mamba renames an older checkpoint's keys there); the port loads the weights `c2m weights` converted from the torch model's state_dict(), whose keys the hook does not change. A checkpoint saved with other keys (the layout the hook rewrites) fails the strict load: load it into the torch model first, then convert its state_dict()",
    example: "self._register_load_state_dict_pre_hook(self.load_hook)",
  },
  {
    code: "C2M-E034",
    title: "a tensor reaches a use that needs another rank than c2m took it for",
    hint: "the value's rank (known, or a layer's guess for an input of unknown rank) differs from the rank the use's channels-last layout needs (a Conv3d given what c2m took for a 4-d tensor, a block whose forward was analysed at another rank): no transpose between them is right. Give the block's input a rank c2m can see (a reshape or permute with all its axes before the call), or call the layers on torch's layout by hand",
    example: "h = x.reshape(b, t, c, hh, ww).permute(0, 2, 1, 3, 4)\nh = self.block(h)   # Block's forward took its input for 4-d (a GroupNorm, then a Conv2d)",
  },
  {
    code: "C2M-E038",
    title: "an einops name the tables do not translate",
    hint: "c2m translates einops' rearrange, repeat, reduce and einsum and the Rearrange and Reduce layers (passes/tables/einops.ts), reading the pattern as einops does; other einops names (pack, unpack, EinMix, parse_shape) have no MLX form yet and their import is gone from the port: write the shape operations with reshape/transpose, or port that name by hand",
    example: "from einops import pack\n\nx, ps = pack([a, b], 'b * d')",
  },
  {
    code: "C2M-E043",
    title: "an installed library built on torch that the program imports cannot be translated",
    hint: "c2m translates the modules of an installed torch library (timm, torchvision, …) that the program imports into the output's _c2m_lib folder, from their source (never imported or run); one of them could not be (the message says which file and why, or that the output goes to stdout, where no library can be written: give -o). The import's names are placeholders that raise when used: fix that file, or port the names by hand",
    example: "from timm.layers import DropPath   # c2m compile model.py, printed to stdout",
  },
  {
    code: "C2M-W048",
    title: "an installed torch library the program imports was translated with errors",
    hint: "the library's modules are written under the output's _c2m_lib folder with a marker at each error; the diagnostics of those files (reported under their installed paths) say what is left to port by hand. The parts of the library the model uses may well be fine: check the model's parity",
    example: "from timm.models.vision_transformer import VisionTransformer",
  },
];

/** Every code, the kernel compiler's C2M-K… included (docs/diagnostics.md lists them all). */
export const ALL_DIAGNOSTIC_CODES: DiagnosticCode[] = [...DIAGNOSTIC_CODES, ...KERNEL_DIAGNOSTIC_CODES];

export const CODES_BY_ID: Map<string, DiagnosticCode> = new Map(ALL_DIAGNOSTIC_CODES.map((c) => [c.code, c]));
