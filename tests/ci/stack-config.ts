import * as path from "path";
import { shortStackName } from "../../config/profiles";
import { readStackFile } from "../../config/stack-file";

/**
 * What `stack.getAllConfig()` returns for a stack created from its committed file, as the Pulumi CLI's
 * `pulumi config --json` prints it (pulumi/pulumi pkg/cmd/pulumi/config/config.go configValueJSON): every key with its
 * value as a string, structured values as JSON.
 */
export function stackFileConfig(stack: string, dir: string): Record<string, { value: string; secret: boolean }> {
    const settings = readStackFile(path.join(dir, `Pulumi.${shortStackName(stack)}.yaml`));
    return Object.fromEntries(Object.entries(settings).map(([key, v]) => [key, { value: typeof v === "string" ? v : JSON.stringify(v), secret: false }]));
}
