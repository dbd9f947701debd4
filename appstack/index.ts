// The app stack's program; Pulumi runs the exported function and exports what it returns.
import { appProgram } from "./program";

export = appProgram;
