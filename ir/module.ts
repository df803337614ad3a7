/**
 * Module IR: what a translated file contains. Nodes keep their syntax node so the emitter can edit the
 * original text in place.
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { FileSemantics } from "./binder/semantics.js";
import type { LayerMapping } from "./tables.js";
import type { TensorType } from "./tensor.js";

/** What a value built in `__init__` is, as far as static analysis can tell. */
export type ModVal =
  | { k: "layer"; row: LayerMapping; call: SyntaxNode }
  | { k: "class"; name: string; ext?: ForeignClass }
  /** `names`: the children's names (an OrderedDict given to nn.Sequential); `named`: named, the names not known */
  /** `atRunTime`: the items come from a call c2m cannot follow (passes/unknown-items.ts): the weights under it are resolved when the model loads */
  | { k: "seq"; items: ModVal[] | null; names?: string[]; named?: boolean; elem?: ModVal; atRunTime?: boolean }
  | { k: "list"; items: ModVal[] | null; elem?: ModVal; atRunTime?: boolean }
  | { k: "dict"; entries: Map<string, ModVal> | null; elem?: ModVal }
  | { k: "param" }
  | { k: "buffer"; persistent: boolean }
  /** `bound`: keywords a functools.partial fixed (`partial(SEModule, norm_layer=nn.BatchNorm2d)`), passed to each construction */
  | { k: "classref"; name: string; ext?: ForeignClass; bound?: Map<string, ModVal> }
  | { k: "layerref"; row: LayerMapping }
  | { k: "union"; options: ModVal[] }
  /** a constant the interpreter computed (a string, an integer as its digits): attribute names given to setattr */
  | { k: "const"; text: string }
  /**
   * a module class known only at run time: one that another file of the package gives a model of this file (res2net.py's
   * Bottle2neck to resnet.py's ResNet); as a class and as its instance. Its weights are resolved when the model loads.
   */
  | { k: "anyclass" }
  /** a torch function the module tree follows by name (weight_norm: passes/weight-norm.ts) */
  | { k: "fn"; name: string }
  /** a lambda of `mod` (`approx_gelu = lambda: nn.GELU(approximate="tanh")`, given as a layer factory): called, its body with the closure's values */
  | { k: "lambda"; node: SyntaxNode; mod: ModuleIR; closure: Map<string, ModVal> }
  /**
   * a plain value; `callable`: a function (a module-level function of the file: torchvision's RAFT keeps
   * `self.convgru2 = _pass_through_h` where it builds no ConvGRU), which a union beside modules keeps, so that a call
   * of the attribute is known to reach either; `def`: which function it is (a builder handed to a helper as a parameter,
   * CoAtNet's `_make_layer(conv_3x3_bn, …)` calling `block(…)`), so that a call through the parameter runs its body;
   * `tensor`: one tensor a torch op made (`self.mean = torch.Tensor(rgb).view(1, 3, 1, 1)`, no buffer), which methods
   * read as a tensor in torch's layout
   */
  | { k: "value"; callable?: boolean; def?: { mod: ModuleIR; node: SyntaxNode }; tensor?: boolean }
  | { k: "unknown" };

/** A module class defined in another file of the program (a sibling file, a library), with that file's IR. */
export interface ForeignClass {
  mod: ModuleIR;
  cls: ClassIR;
}

export interface ClassIR {
  name: string;
  node: SyntaxNode;
  /** the nn.Module (or in-file module class) it derives from */
  base: string;
  methods: Map<string, SyntaxNode>;
  /** self.<attr> → what __init__ stores there */
  attrs: Map<string, ModVal>;
  /** attributes holding non-persistent buffers: renamed `_name` so MLX does not treat them as parameters */
  privateBuffers: Set<string>;
  /** the torch layer it subclasses while overriding forward: it keeps that layer's parameters */
  layerBase?: LayerMapping;
  /**
   * attributes this class never sets but every subclass of its file that sets them does (pretrainedmodels' Bottleneck
   * holds the forward its SEBottleneck, SEResNetBottleneck… share, each building conv1, bn1… in its own __init__): what
   * `self.conv1` in the base's methods may hold, the union over those subclasses (passes/module-tree.ts)
   */
  subclassAttrs?: Map<string, ModVal>;
  /** classes of this file this class instantiates (for finding top-level classes) */
  uses: Set<string>;
  /** attributes the class only ever sets to a torch function (`self.activation = F.relu`): called as that function, not as a module */
  torchFunctionAttrs?: ReadonlySet<string>;
}

export interface ImportIR {
  node: SyntaxNode;
  /** true when the statement imports torch or a torch submodule */
  torch: boolean;
  /**
   * a library built on torch that the port cannot import: the names the statement binds, each to become a
   * placeholder (passes/torch-library-imports.ts); the statement goes
   */
  /** `identity`: a library function returning its argument (passes/identity-decorators.ts), bound to one that does the same */
  placeholders?: { local: string; name: string; identity?: boolean }[];
}

export interface ModuleIR {
  file: string;
  source: string;
  root: SyntaxNode;
  /** local name → fully qualified torch name (`F` → `torch.nn.functional`) */
  aliases: Map<string, string>;
  imports: ImportIR[];
  classes: Map<string, ClassIR>;
  /** module-level functions and classes that are not nn.Modules (dataclass configs, helpers) */
  functions: Map<string, SyntaxNode>;
  otherClasses: Map<string, SyntaxNode>;
  /** subclasses of a torch layer that do not override forward: each is that layer (`class Conv1d(nn.Conv1d)`) */
  layerClasses?: Map<string, LayerMapping>;
  /** in a package compile: whether other files of the package name a class (a model they may give their own block classes) */
  namedByOtherFiles?: (className: string) => boolean;
  /** in a package compile: the other files of the package that name a class (where it may be built: passes/foreign-sites.ts) */
  otherFilesNaming?: (name: string) => string[];
  /** when set, only these classes of the file are classified and interpreted (a library file, read for a few of its classes) */
  onlyClasses?: Set<string>;
  /** `nn.Sequential(…)` calls (nodeKey) the module tree found given a dict of modules (passes/named-sequential.ts) */
  namedSequentials?: Set<string>;
  /**
   * module-level functions that return a torch container they build (`def MLPMixer(...): return nn.Sequential(...)`):
   * what they return, so the model they build has a weight map under the function's name (passes/weights.ts)
   */
  factoryModules?: Map<string, ModVal>;
  /** the binder's view of this file within its program (imports across files and libraries); absent: this file alone */
  semantic?: FileSemantics;
}

/** Layout signature of a module class's forward: physical layouts of its parameters and result. */
export interface ForwardSignature {
  params: (TensorType | undefined)[];
  result?: TensorType | TensorType[];
  /** positions of `result`'s items that are themselves tuples or lists (`return h, (h,)`), their tensors in torch's layout */
  resultLists?: number[];
  /** the returns disagreed on their layout, so each is converted to torch's (passes/return-layouts.ts) */
  logicalReturns?: boolean;
}
