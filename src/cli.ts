#!/usr/bin/env node
/**
 * The `c2m` executable: runs the command line (src/program.ts) from the build's one-file bundle when
 * that is up to date, which starts faster (see src/cli-bundle.ts), else from the ES modules.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runBundle } from "./cli-bundle.js";

if (!runBundle(dirname(fileURLToPath(import.meta.url)))) await import("./program.js");
