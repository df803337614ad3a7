// `node dist/src/verify/fixtures-cli.js drivers`: regenerates the H100 fixture drivers
// (golden/kernels/fixtures/drivers/*.cu). See docs/kernel-proof.md for the whole re-recording procedure.
import { writeDrivers } from "./fixtures.js";

const cmd = process.argv[2];
if (cmd === "drivers") {
  for (const p of writeDrivers()) console.log(p);
} else {
  console.error("usage: fixtures-cli drivers");
  process.exitCode = 2;
}
