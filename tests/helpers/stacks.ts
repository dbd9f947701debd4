/** The stacks committed in the repository root: one per `Pulumi.<stack>.yaml`. */
import * as fs from "fs";
import { PROJECT_DIR } from "../../offline/plan";

/** Every committed stack, sorted; checks every stack must pass loop over these, so a new stack file is covered. */
export function committedStacks(dir: string = PROJECT_DIR): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}
