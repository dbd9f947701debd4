import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { albAnnotations } from "../../components/ingress";
import { estimateCost, PriceTable } from "../../offline/cost";
import { AlbIngress, buildAlbs, servesFromInternet } from "../../offline/models/lbc-ingress-group";
import { RejectedByUpstream } from "../../offline/models/ids";
import { RecordedResource } from "../../offline/recorder";
import { FIXED_PLAN } from "../helpers/fixed-plan";
import { attempt } from "../helpers/harness";

const base = albAnnotations({
    groupName: "shared",
    certificateArn: "arn:aws:acm:ap-northeast-2:123456789012:certificate/x",
    sslPolicy: "p",
    healthcheckPath: "/",
    backendProtocolVersion: "HTTP1",
});
const ingress = (name: string, host: string, extra: Record<string, string> = {}): AlbIngress => ({
    namespace: name,
    name,
    annotations: { ...base, ...extra },
    hosts: [host],
});
const INBOUND = "alb.ingress.kubernetes.io/inbound-cidrs";

describe("model: the LB controller's IngressGroups (v3.5.0)", () => {
    it("applies one Ingress's inbound-cidrs to every host on the shared ALB's port: the app would be restricted too", () => {
        const albs = buildAlbs([ingress("app", "app.example.com"), ingress("jenkins", "jenkins.example.com", { [INBOUND]: "203.0.113.0/24" })]);
        assert.strictEqual(albs.length, 1);
        assert.deepStrictEqual(
            albs[0].listeners.map((l) => l.inboundCidrs),
            [["203.0.113.0/24"], ["203.0.113.0/24"]],
        );
        assert.ok(!servesFromInternet(albs, "app.example.com", "198.51.100.7"));
    });

    it("refuses the whole group when two Ingresses give different inbound-cidrs for a port, with the controller's message", () => {
        assert.throws(
            () => buildAlbs([ingress("a", "a.example.com", { [INBOUND]: "203.0.113.0/24" }), ingress("b", "b.example.com", { [INBOUND]: "198.51.100.0/24" })]),
            (e: Error) =>
                e instanceof RejectedByUpstream &&
                /failed to merge listenPort config for port: 80: conflicting inbound-cidrs, a\/a: \[203\.0\.113\.0\/24\], \[\] \| b\/b: \[198\.51\.100\.0\/24\], \[\]/.test(
                    e.message,
                ),
        );
    });

    it("refuses a group whose members ask for different schemes, and defaults to internal", () => {
        assert.throws(
            () => buildAlbs([ingress("a", "a.example.com"), ingress("b", "b.example.com", { "alb.ingress.kubernetes.io/scheme": "internal" })]),
            /conflicting scheme: \[internal internet-facing\]/,
        );
        const { [`alb.ingress.kubernetes.io/scheme`]: _, ...noScheme } = base;
        assert.strictEqual(buildAlbs([{ namespace: "x", name: "x", annotations: noScheme, hosts: ["x.example.com"] }])[0].scheme, "internal");
    });

    it("gives an Ingress without group.name an ALB of its own, and routes hosts only on HTTPS under ssl-redirect", () => {
        const { ["alb.ingress.kubernetes.io/group.name"]: _, ...ungrouped } = base;
        const albs = buildAlbs([ingress("a", "a.example.com"), { namespace: "b", name: "b", annotations: ungrouped, hosts: ["b.example.com"] }]);
        assert.deepStrictEqual(
            albs.map((a) => [a.group, a.explicit]),
            [
                ["shared", true],
                ["b/b", false],
            ],
        );
        assert.deepStrictEqual(
            albs[0].listeners.map((l) => [l.port, l.protocol, l.rules.length]),
            [
                [80, "HTTP", 0],
                [443, "HTTPS", 1],
            ],
        );
    });

    it("refuses a conflicting Ingress at registration, as `pulumi up` would fail waiting for its load balancer", async () => {
        const { failures } = await attempt(() => {
            for (const [name, cidr] of [
                ["a", "203.0.113.0/24"],
                ["b", "198.51.100.0/24"],
            ]) {
                new k8s.networking.v1.Ingress(name, {
                    metadata: { namespace: name, name, annotations: { ...base, [INBOUND]: cidr } },
                    spec: { rules: [{ host: `${name}.example.com` }] },
                });
            }
        });
        assert.strictEqual(failures.length, 1);
        assert.match(failures[0].message, /conflicting inbound-cidrs/);
    });

    it("costs one ALB per group, an Ingress without group.name included, and public IPs only for internet-facing ones", () => {
        const prices: PriceTable = {
            region: "test-1",
            currency: "USD",
            asOf: "2026-01-01",
            source: "test",
            hoursPerMonth: 700,
            eksControlPlanePerHour: 0,
            ec2OnDemandPerHour: {},
            spotDiscount: 0,
            natGatewayPerHour: 0,
            publicIpv4PerHour: 0.01,
            albPerHour: 0.02,
            albLcuPerHour: 0.01,
            albAssumedLcus: 2,
            ebsGp3PerGbMonth: 0,
            kmsKeyPerMonth: 0,
            route53HostedZonePerMonth: 0,
        };
        const extra = (name: string, annotations: Record<string, string>): RecordedResource => ({
            urn: `urn:pulumi:test::p::kubernetes:networking.k8s.io/v1:Ingress::${name}`,
            type: "kubernetes:networking.k8s.io/v1:Ingress",
            name,
            parent: "",
            dependencies: [],
            provider: "",
            providers: {},
            custom: true,
            remote: false,
            protect: false,
            inputs: { metadata: { namespace: "n", name, annotations } },
            outputs: {},
        });
        const plan = [...FIXED_PLAN, extra("internal-one", {}), extra("public-one", { "alb.ingress.kubernetes.io/scheme": "internet-facing" })];
        const albs = estimateCost(plan, prices).filter((l) => l.item === "Application Load Balancer");
        assert.deepStrictEqual(
            albs.map((l) => [l.detail.split(" ")[0], l.monthly]),
            [
                ["g", 49],
                ["n/internal-one", 28],
                ["n/public-one", 49],
            ],
        );
    });
});
