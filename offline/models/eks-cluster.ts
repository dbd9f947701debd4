import { ACCOUNT_ID, awsId, hex, MockResult } from "./ids";

export function kubeconfigFor(clusterName: string, endpoint: string, region: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": Buffer.from(`ca-${clusterName}`).toString("base64") } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [{
            name: clusterName,
            user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region] } },
        }],
    });
}

/** `eks:index:Cluster` (remote component): the outputs downstream code reads. */
export function eksCluster(name: string, inputs: Record<string, any>, region: string): MockResult {
    const clusterName = inputs.name ?? name;
    const oidcId = hex(clusterName, 32).toUpperCase();
    const issuer = `oidc.eks.${region}.amazonaws.com/id/${oidcId}`;
    const endpoint = `https://${oidcId}.gr7.${region}.eks.amazonaws.com`;
    return {
        id: undefined,
        state: {
            ...inputs,
            kubeconfigJson: kubeconfigFor(clusterName, endpoint, region),
            oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${issuer}`,
            oidcProviderUrl: `https://${issuer}`,
            oidcIssuer: issuer,
            clusterSecurityGroupId: awsId("sg", `${clusterName}-cluster`),
            nodeSecurityGroupId: awsId("sg", `${clusterName}-node`),
            eksCluster: { name: clusterName, arn: `arn:aws:eks:${region}:${ACCOUNT_ID}:cluster/${clusterName}`, endpoint, version: inputs.version },
        },
    };
}

/** `eks:index:ManagedNodeGroup` (remote component). */
export function eksManagedNodeGroup(name: string, inputs: Record<string, any>): MockResult {
    return { id: undefined, state: { ...inputs, nodeGroup: { nodeGroupName: name, status: "ACTIVE" } } };
}
