import * as assert from "assert";
import { albAnnotations, albFor, checkExposeArgs, exposeService, Ingress, SSL_POLICY } from ".";
import { LBC } from "./lbc";
import { albIngressesOf, buildAlbs, servesFromInternet } from "../../offline/models/lbc-ingress-group";
import { all, buildGateway, DOMAIN, json, one, record, RecordedResource, valueOf } from "../../tests/helpers/harness";

describe("Ingress", () => {
    let records: RecordedResource[];
    let gw: ReturnType<typeof buildGateway>;
    before(async () => {
        records = await record(() => {
            gw = buildGateway();
            const parent = gw.ingress;
            for (const host of ["jenkins", "grafana", "app"]) {
                exposeService(
                    `svc-${host}`,
                    gw.ingress,
                    { namespace: host, serviceName: host, servicePort: 8080, host: `${host}.${DOMAIN}`, healthcheckPath: "/healthz" },
                    parent,
                );
            }
        });
    });

    describe("controller", () => {
        it("installs the pinned chart in kube-system on the cluster's provider", () => {
            const release = one(records, "kubernetes:helm.sh/v3:Release", "lbc");
            assert.strictEqual(release.inputs.chart, LBC.chart);
            assert.strictEqual(release.inputs.version, LBC.chartVersion);
            assert.strictEqual(release.inputs.namespace, "kube-system");
            const provider = one(records, "pulumi:providers:kubernetes");
            assert.ok(release.provider.startsWith(provider.urn + "::"));
        });

        it("takes cluster name, region and VPC id from the Cluster and Network outputs", async () => {
            const values = one(records, "kubernetes:helm.sh/v3:Release", "lbc").inputs.values as any;
            assert.strictEqual(values.clusterName, await valueOf(gw.cluster.clusterName));
            assert.strictEqual(values.vpcId, await valueOf(gw.network.vpcId));
            assert.strictEqual(values.region, "ap-northeast-2");
            const release = one(records, "kubernetes:helm.sh/v3:Release", "lbc");
            assert.ok(release.dependencies.includes(one(records, "awsx:ec2:Vpc").urn), "vpcId must come from the VPC");
            assert.ok(release.dependencies.includes(one(records, "eks:index:Cluster").urn), "clusterName must come from the cluster");
        });

        it("waits for nodes before installing, since its pods must become ready", () => {
            const release = one(records, "kubernetes:helm.sh/v3:Release", "lbc");
            assert.ok(release.dependencies.includes(one(records, "eks:index:ManagedNodeGroup").urn));
        });

        it("runs as a chart-created service account annotated with its IRSA role", () => {
            const values = one(records, "kubernetes:helm.sh/v3:Release", "lbc").inputs.values as any;
            const role = one(records, "aws:iam/role:Role", "gw-lbc");
            assert.strictEqual(values.serviceAccount.create, true);
            assert.strictEqual(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], `arn:aws:iam::123456789012:role/${role.name}`);
        });

        it("its role trusts only kube-system:aws-load-balancer-controller of this cluster, for STS", async () => {
            const trust = json(one(records, "aws:iam/role:Role", "gw-lbc").inputs.assumeRolePolicy);
            const issuer = (await valueOf(gw.cluster.oidcIssuerUrl)).replace("https://", "");
            assert.strictEqual(trust.Statement.length, 1);
            assert.strictEqual(trust.Statement[0].Principal.Federated, await valueOf(gw.cluster.oidcProviderArn));
            assert.deepStrictEqual(trust.Statement[0].Condition, {
                StringEquals: { [`${issuer}:sub`]: "system:serviceaccount:kube-system:aws-load-balancer-controller", [`${issuer}:aud`]: "sts.amazonaws.com" },
            });
        });

        it("attaches the pinned policy to that role", () => {
            const policy = one(records, "aws:iam/policy:Policy", "gw-lbc");
            assert.ok(json(policy.inputs.policy).Statement.length > 10);
            const attachment = one(records, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "gw-lbc");
            assert.strictEqual(attachment.inputs.policyArn, `arn:aws:iam::123456789012:policy/${policy.name}`);
        });
    });

    describe("certificate", () => {
        it("covers the domain and one SAN per host, validated by DNS", () => {
            const cert = one(records, "aws:acm/certificate:Certificate");
            assert.strictEqual(cert.inputs.domainName, DOMAIN);
            assert.deepStrictEqual(cert.inputs.subjectAlternativeNames, [`jenkins.${DOMAIN}`, `grafana.${DOMAIN}`, `app.${DOMAIN}`]);
            assert.strictEqual(cert.inputs.validationMethod, "DNS");
        });

        it("creates ACM's validation record for each name in the hosted zone, and a validation that waits for them", () => {
            const validations = all(records, "aws:route53/record:Record").filter((r) => r.name.includes("cert-validation"));
            assert.strictEqual(validations.length, 4);
            for (const r of validations) {
                assert.strictEqual(r.inputs.zoneId, "Z0123456789ABCDEFGHIJ");
                assert.strictEqual(r.inputs.type, "CNAME");
                assert.match(r.inputs.name as string, /^_[0-9a-f]{32}\./);
                assert.match((r.inputs.records as string[])[0], /acm-validations\.aws\.$/);
            }
            assert.strictEqual(new Set(validations.map((r) => r.inputs.name)).size, 4);
            const validation = one(records, "aws:acm/certificateValidation:CertificateValidation");
            assert.deepStrictEqual(
                [...(validation.inputs.validationRecordFqdns as string[])].sort(),
                validations.map((r) => (r.inputs.name as string).replace(/\.$/, "")).sort(),
            );
            for (const r of validations) assert.ok(validation.dependencies.includes(r.urn));
        });
    });

    describe("exposeService", () => {
        const ingresses = () => all(records, "kubernetes:networking.k8s.io/v1:Ingress");

        it("annotates each Ingress for the shared HTTPS ALB with an explicit backend protocol version", async () => {
            const certArn = await valueOf(gw.ingress.certificateArn);
            assert.strictEqual(ingresses().length, 3);
            for (const ing of ingresses()) {
                const a = (ing.inputs.metadata as any).annotations;
                const admin = !(ing.inputs.spec as any).rules[0].host.startsWith("app.");
                assert.strictEqual(a["alb.ingress.kubernetes.io/group.name"], admin ? "eks-platform-test-admin" : "eks-platform-test");
                assert.strictEqual(a["alb.ingress.kubernetes.io/scheme"], "internet-facing");
                assert.strictEqual(a["alb.ingress.kubernetes.io/target-type"], "ip");
                assert.deepStrictEqual(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"]), [{ HTTP: 80 }, { HTTPS: 443 }]);
                assert.strictEqual(a["alb.ingress.kubernetes.io/ssl-redirect"], "443");
                assert.strictEqual(a["alb.ingress.kubernetes.io/certificate-arn"], certArn);
                assert.strictEqual(a["alb.ingress.kubernetes.io/ssl-policy"], SSL_POLICY);
                assert.strictEqual(a["alb.ingress.kubernetes.io/backend-protocol-version"], "HTTP1");
                assert.strictEqual(a["alb.ingress.kubernetes.io/healthcheck-path"], "/healthz");
                assert.strictEqual((ing.inputs.spec as any).ingressClassName, "alb");
            }
        });

        it("puts the public host on one ALB and the admin hosts on a second, with one certificate", () => {
            const albs = buildAlbs(albIngressesOf(ingresses()));
            const certs = new Set(ingresses().map((i) => (i.inputs.metadata as any).annotations["alb.ingress.kubernetes.io/certificate-arn"]));
            assert.strictEqual(certs.size, 1);
            const hostsOf = (group: string) =>
                albs
                    .find((a) => a.group === group)!
                    .listeners.find((l) => l.port === 443)!
                    .rules.map((r) => r.host)
                    .sort();
            assert.deepStrictEqual(albs.map((a) => a.group).sort(), ["eks-platform-test", "eks-platform-test-admin"]);
            assert.deepStrictEqual(hostsOf("eks-platform-test"), [`app.${DOMAIN}`]);
            assert.deepStrictEqual(hostsOf("eks-platform-test-admin"), [`grafana.${DOMAIN}`, `jenkins.${DOMAIN}`]);
        });

        // Issue 14: Jenkins' and Grafana's login pages were reachable from anywhere on the shared ALB.
        it("serves the app to the whole internet and the admin hosts only to the admin CIDRs, as the controller builds the ALBs", () => {
            const albs = buildAlbs(albIngressesOf(ingresses()));
            for (const ip of ["198.51.100.7", "8.8.8.8"]) {
                assert.ok(servesFromInternet(albs, `app.${DOMAIN}`, ip), `app from ${ip}`);
                for (const admin of ["jenkins", "grafana"]) assert.ok(!servesFromInternet(albs, `${admin}.${DOMAIN}`, ip), `${admin} from ${ip}`);
            }
            for (const admin of ["jenkins", "grafana"])
                assert.ok(servesFromInternet(albs, `${admin}.${DOMAIN}`, "203.0.113.20"), `${admin} from the admin network`);
            const admin = albs.find((a) => a.group === "eks-platform-test-admin")!;
            assert.strictEqual(admin.scheme, "internet-facing");
            assert.deepStrictEqual(
                admin.listeners.map((l) => [l.port, l.inboundCidrs]),
                [
                    [80, ["203.0.113.0/24"]],
                    [443, ["203.0.113.0/24"]],
                ],
            );
            const shared = albs.find((a) => a.group === "eks-platform-test")!;
            assert.deepStrictEqual(
                shared.listeners.map((l) => [l.port, l.inboundCidrs]),
                [
                    [80, ["0.0.0.0/0"]],
                    [443, ["0.0.0.0/0"]],
                ],
            );
        });

        it("points each host's record at its own group's ALB", () => {
            const aliasOf = (host: string) =>
                (all(records, "aws:route53/record:Record").find((r) => r.inputs.name === `${host}.${DOMAIN}`)!.inputs.aliases as any[])[0].name;
            assert.strictEqual(aliasOf("jenkins"), aliasOf("grafana"));
            assert.notStrictEqual(aliasOf("app"), aliasOf("jenkins"));
        });

        it("makes every Ingress depend on the controller release, so destroy deletes the ALB first", () => {
            const controller = one(records, "kubernetes:helm.sh/v3:Release", "lbc");
            for (const ing of ingresses()) assert.ok(ing.dependencies.includes(controller.urn), `${ing.name} does not depend on the controller`);
        });

        it("waits for the validated certificate, not just the requested one", () => {
            const validation = one(records, "aws:acm/certificateValidation:CertificateValidation");
            for (const ing of ingresses()) assert.ok(ing.dependencies.includes(validation.urn));
        });

        it("creates an alias record per host pointing at the ALB the Ingress reports", () => {
            const hostRecords = all(records, "aws:route53/record:Record").filter((r) => r.name.startsWith("svc-"));
            assert.strictEqual(hostRecords.length, 3);
            for (const r of hostRecords) {
                const ing = one(records, "kubernetes:networking.k8s.io/v1:Ingress", r.name);
                assert.strictEqual(r.inputs.name, (ing.inputs.spec as any).rules[0].host);
                assert.strictEqual(r.inputs.type, "A");
                const [alias] = r.inputs.aliases as any[];
                assert.match(alias.name, /\.ap-northeast-2\.elb\.amazonaws\.com$/);
                assert.strictEqual(alias.zoneId, "ZWKZPGTI48KDX");
                assert.ok(r.dependencies.includes(ing.urn), "the record must go before the Ingress on destroy");
            }
        });

        it("puts any host not declared public on the admin ALB, so a new console is closed by default", () => {
            assert.deepStrictEqual(albFor(gw.ingress, `kibana.${DOMAIN}`), { groupName: "eks-platform-test-admin", inboundCidrs: ["203.0.113.0/24"] });
            assert.deepStrictEqual(albFor(gw.ingress, `app.${DOMAIN}`), { groupName: "eks-platform-test" });
        });

        it("lets a caller ask for HTTP2 or GRPC", () => {
            const a = albAnnotations({ groupName: "g", certificateArn: "c", sslPolicy: "p", healthcheckPath: "/", backendProtocolVersion: "GRPC" });
            assert.strictEqual(a["alb.ingress.kubernetes.io/backend-protocol-version"], "GRPC");
        });
    });

    describe("bad input", () => {
        const base = {
            clusterName: "c",
            region: "ap-northeast-2",
            vpcId: "v",
            oidc: { providerArn: "a", issuerUrl: "u" },
            cluster: undefined as any,
            hosts: ["app", "jenkins"],
            groupName: "g",
            resourceTags: {},
            domain: DOMAIN,
            hostedZoneId: "Z1",
            publicHosts: ["app"],
            adminCidrs: ["203.0.113.0/24"],
            trafficSources: { alb: ["10.0.0.0/24"], controlPlane: ["10.0.8.0/21"] },
        };

        it("refuses admin CIDRs that would open the admin hosts to the internet, or none at all", () => {
            assert.throws(() => new Ingress("open", { ...base, adminCidrs: ["0.0.0.0/0"] }), /admin CIDR "0\.0\.0\.0\/0" is broader than \/8/);
            assert.throws(() => new Ingress("none", { ...base, adminCidrs: [] }), /adminCidrs is empty/);
            assert.throws(() => new Ingress("typo", { ...base, publicHosts: ["ap"] }), /public host "ap" is not one of the hosts/);
        });

        const gateway = { domain: DOMAIN, hostnames: [`app.${DOMAIN}`] };

        it("rejects a host outside the stack's domain", () => {
            assert.throws(
                () => checkExposeArgs(gateway, { host: "app.example.org", healthcheckPath: "/" }),
                /app\.example\.org is outside the stack's domain dev\.example\.com/,
            );
            assert.throws(() => checkExposeArgs(gateway, { host: `evil${DOMAIN}`, healthcheckPath: "/" }), /outside the stack's domain/);
        });

        it("rejects a host the certificate does not cover", () => {
            assert.throws(() => checkExposeArgs(gateway, { host: `kibana.${DOMAIN}`, healthcheckPath: "/" }), /not covered by the certificate/);
        });

        it("rejects a backend protocol version other than HTTP1, HTTP2 or GRPC", () => {
            assert.throws(
                () => checkExposeArgs(gateway, { host: `app.${DOMAIN}`, healthcheckPath: "/", backendProtocolVersion: "HTTP3" as any }),
                /"HTTP3" is not one of HTTP1, HTTP2, GRPC/,
            );
            assert.doesNotThrow(() => checkExposeArgs(gateway, { host: `app.${DOMAIN}`, healthcheckPath: "/", backendProtocolVersion: "HTTP2" }));
        });

        it("rejects a missing domain or hosted zone before creating anything", async () => {
            const base = {
                clusterName: "c",
                region: "ap-northeast-2",
                vpcId: "v",
                oidc: { providerArn: "a", issuerUrl: "u" },
                cluster: undefined as any,
                hosts: ["app"],
                groupName: "g",
                resourceTags: {},
                publicHosts: ["app"],
                adminCidrs: ["203.0.113.0/24"],
                trafficSources: { alb: ["10.0.0.0/24"], controlPlane: ["10.0.8.0/21"] },
            };
            let recorded: RecordedResource[] = [];
            await assert.rejects(async () => {
                recorded = await record(() => {
                    new Ingress("bad", { ...base, domain: DOMAIN, hostedZoneId: "" });
                });
            }, /hostedZoneId is missing/);
            assert.throws(() => new Ingress("bad2", { ...base, domain: "", hostedZoneId: "Z1" }), /domain is missing/);
            assert.strictEqual(recorded.filter((r) => r.custom).length, 0);
        });
    });
});
