import { PolicyPack } from "@pulumi/policy";
import { policies } from "./pack";

new PolicyPack("eks-platform", { policies });
