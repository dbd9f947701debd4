import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument } from "./iam";

/** The OIDC issuer host/path as IAM condition keys spell it: no scheme. */
export function issuerHost(issuerUrl: string): string {
    return issuerUrl.replace(/^https:\/\//, "");
}

/**
 * Trust policy for IAM Roles for Service Accounts: only the given service account of this cluster's
 * OIDC provider may assume the role, and only with the STS audience (pinning both `sub` and `aud`).
 */
export function irsaTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): PolicyDocument {
    const host = issuerHost(issuerUrl);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                        [`${host}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/** Where a cluster's service accounts prove who they are. */
export interface OidcIdentity {
    providerArn: pulumi.Input<string>;
    issuerUrl: pulumi.Input<string>;
}

/** An IAM role that exactly one Kubernetes service account can assume. */
export function irsaRole(
    name: string,
    oidc: OidcIdentity,
    namespace: string,
    serviceAccount: string,
    parent: pulumi.Resource,
    roleName?: string,
): aws.iam.Role {
    return new aws.iam.Role(
        name,
        {
            name: roleName,
            description: `IRSA role for ${namespace}/${serviceAccount}`,
            assumeRolePolicy: pulumi
                .all([oidc.providerArn, oidc.issuerUrl])
                .apply(([arn, url]) => JSON.stringify(irsaTrustPolicy(arn, url, namespace, serviceAccount))),
        },
        { parent },
    );
}
