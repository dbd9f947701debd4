/**
 * IAM policy documents as plain JSON the pure builders return and the tests and preflight read. Each is also an
 * `aws.iam.PolicyDocument` (the provider's own type; checked below at compile time), so it can be handed to any
 * policy input as it is.
 */
import * as aws from "@pulumi/aws";

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource?: string | string[];
    /** One kind of principal per statement, as the provider's type admits. */
    Principal?: { AWS: string | string[] } | { Service: string | string[] } | { Federated: string | string[] };
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

// A compile-time check only: the plain documents are what the provider's PolicyDocument type admits.
export const asProviderDocument = (doc: PolicyDocument): aws.iam.PolicyDocument => doc;

/** The trust policy of a role an AWS service assumes (ec2.amazonaws.com, backup.amazonaws.com), as the provider writes it. */
export function serviceTrustPolicy(service: string): string {
    return JSON.stringify(aws.iam.assumeRolePolicyForPrincipal({ Service: service }));
}
