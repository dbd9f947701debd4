/**
 * Shared test harness: realistic mocks with a registration recorder, stack-config fixtures and finders.
 * Component tests build a component, wait for its registrations and assert on what the engine would see.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig } from "../../config";
import { Cluster } from "../../components/cluster";
import { Ingress } from "../../components/ingress";
import { Network } from "../../components/network";
import { trafficSourcesOf } from "../../components/ingress/network-policies";
import { installMocks, RecordedFailure, RecordedResource, Recorder } from "../../offline/recorder";

export { RecordedResource } from "../../offline/recorder";
export const REGION = "ap-northeast-2";
/** The admin principal the test clusters list and, unless a test says otherwise, the one running `pulumi up`. */
export const ADMIN = "arn:aws:iam::111122223333:role/PlatformAdmin";
export const SHARED_REFERENCE = path.resolve(__dirname, "../../../shared/reference");

let recorder: Recorder | undefined;

/** Installs the mocks once per process; each call forgets earlier registrations. */
export async function mockRuntime(config: Record<string, string> = {}, stack = "test", deployer = ADMIN): Promise<Recorder> {
    recorder = await installMocks({ project: "eks-platform", stack, region: REGION, config, deployer });
    return recorder;
}

/** Builds resources with a fresh recorder; returns every registration and every one a model refused. */
export async function attempt(build: () => void, stack = "test", deployer?: string): Promise<{ records: RecordedResource[]; failures: RecordedFailure[] }> {
    const r = await mockRuntime({}, stack, deployer);
    build();
    await r.settle();
    return { records: [...r.records], failures: [...r.failures] };
}

/** Builds resources and returns every registration they made; fails if a model of an upstream refused one. */
export async function record(build: () => void, stack = "test"): Promise<RecordedResource[]> {
    const { records, failures } = await attempt(build, stack);
    assert.deepStrictEqual(failures, [], `upstream would refuse: ${failures.map((f) => `${f.type} ${f.name}: ${f.message}`).join("; ")}`);
    return records;
}

export function all(records: RecordedResource[], type: string): RecordedResource[] {
    return records.filter((r) => r.type === type);
}

export function one(records: RecordedResource[], type: string, nameIncludes = ""): RecordedResource {
    const found = records.filter((r) => r.type === type && r.name.includes(nameIncludes));
    assert.strictEqual(
        found.length,
        1,
        `expected one ${type}${nameIncludes ? ` named *${nameIncludes}*` : ""}, found ${found.map((r) => r.name).join(", ") || "none"}`,
    );
    return found[0];
}

/** The value an Output resolves to under mocks. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) =>
        output.apply((v) => {
            resolve(v);
            return v;
        }),
    );
}

/** Parsed JSON input (IAM documents arrive as strings). */
export function json(value: unknown): any {
    return typeof value === "string" ? JSON.parse(value) : value;
}

/** Minimal valid raw stack config per environment, as Pulumi hands it to the program. */
export function rawConfig(env: "dev" | "prod", overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const base: Record<string, string> = {
        "aws:region": REGION,
        "platform:environment": env,
        "dns:domain": env === "dev" ? "dev.example.com" : "example.com",
        "dns:hostedZoneId": "Z0123456789ABCDEFGHIJ",
        "cicd:stateBackendUrl": "s3://example-state/eks-platform",
        "cluster:adminPrincipalArns": '["arn:aws:iam::111122223333:role/PlatformAdmin"]',
        "ingress:adminCidrs": '["203.0.113.0/24"]',
        ...(env === "dev"
            ? { "cicd:gitRepoUrl": "https://github.com/example-org/eks-platform.git" }
            : {
                  "cicd:trustedDeployerArns": '["arn:aws:iam::111122223333:role/eks-platform-dev-jenkins-deploy"]',
                  "cicd:pipelineEgressCidrs": '["198.51.100.7/32"]',
                  "cluster:publicAccessCidrs": '["203.0.113.0/24"]',
                  "observability:alertSlackChannel": "#platform-alerts",
              }),
    };
    const merged: Record<string, string | undefined> = { ...base, ...overrides };
    return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The problems config reports for a raw stack config; none when it is accepted. */
export function configProblems(raw: Record<string, string>, stack: string): string[] {
    try {
        parseConfig(raw, "eks-platform", stack);
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
    }
}

/** Skips the calling test, saying why, when ../shared/reference is not beside the checkout. */
export function referenceFile(ctx: Mocha.Context, ...parts: string[]): string {
    const file = path.join(SHARED_REFERENCE, ...parts);
    if (!fs.existsSync(file)) {
        console.log(`      skipped: ${file} is absent (the shared reference folder is not beside this checkout)`);
        ctx.skip();
    }
    return file;
}

/** A Network and Cluster as index.ts wires them, for components that take their outputs. */
export function buildBase(): { network: Network; cluster: Cluster } {
    const network = new Network("base", { vpcCidr: "10.10.0.0/16", azCount: 2, natStrategy: "single", clusterName: "eks-platform-test" });
    const cluster = new Cluster("base", {
        name: "eks-platform-test",
        version: "1.35",
        region: REGION,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        nodeGroup: { instanceTypes: ["t3.large"], capacityType: "SPOT", minSize: 1, desiredSize: 2, maxSize: 3, diskSizeGiB: 50 },
        publicAccessCidrs: [],
        adminPrincipalArns: [ADMIN],
        logTypes: ["api"],
        logRetentionDays: 14,
        retainData: false,
        volumeTags: { Project: "eks-platform", Environment: "dev" },
    });
    return { network, cluster };
}

export const DOMAIN = "dev.example.com";

/** Base plus the shared ALB gateway, for components that expose a service. */
export function buildGateway(): { network: Network; cluster: Cluster; ingress: Ingress } {
    const base = buildBase();
    const ingress = new Ingress("gw", {
        clusterName: base.cluster.clusterName,
        region: REGION,
        vpcId: base.network.vpcId,
        oidc: base.cluster.oidc,
        cluster: base.cluster.handle,
        domain: DOMAIN,
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
        hosts: ["jenkins", "grafana", "app"],
        groupName: "eks-platform-test",
        publicHosts: ["app"],
        adminCidrs: ["203.0.113.0/24"],
        trafficSources: trafficSourcesOf("10.10.0.0/16", 2),
        resourceTags: { Project: "eks-platform", Environment: "dev" },
    });
    return { ...base, ingress };
}

/** The messages `fn` logs through pulumi.log.warn (config's warnings), instead of printing them. */
export function captureWarnings(fn: () => void): string[] {
    const log = require("@pulumi/pulumi/log") as { warn: (msg: string) => Promise<void> };
    const original = log.warn;
    const warned: string[] = [];
    log.warn = (msg: string) => {
        warned.push(msg);
        return Promise.resolve();
    };
    try {
        fn();
    } finally {
        log.warn = original;
    }
    return warned;
}
