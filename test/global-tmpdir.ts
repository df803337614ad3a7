// Every temporary folder a test makes (os.tmpdir() reads TMPDIR) lands in one folder per run, removed at the end:
// the suite made ~100 MB of leftovers a run, and CI machines can be short of disk.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const runFolder = mkdtempSync(join(tmpdir(), "c2m-vitest-"));
  process.env.TMPDIR = runFolder;
  return () => rmSync(runFolder, { recursive: true, force: true });
}
