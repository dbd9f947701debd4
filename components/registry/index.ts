import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument } from "../shared/iam";

export interface RegistryArgs {
    /** Repository name, e.g. "eks-platform-dev/app". */
    repositoryName: string;
    keepImages: number;
    /** dev: `destroy` may delete a repository that still holds images. prod: never. */
    forceDelete: boolean;
    protect: boolean;
    tags?: Record<string, string>;
    /**
     * The promoting pipeline's identities (another stack's Jenkins agent role), which copy images into this repository
     * and out of it for the next stage. Their own policy is not enough in another account: the repository must admit them.
     */
    promoters?: string[];
}

/** What copying an image in or out takes (crane copy: the pulls, the layer uploads and the manifest put). */
export const ECR_PUSH = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

/** The repository policy that admits the promoting pipeline, from this account or another (ECR SetRepositoryPolicy). */
export function promotersPolicy(promoters: string[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: [{ Sid: "PromotingPipeline", Effect: "Allow", Principal: { AWS: promoters }, Action: ECR_PUSH }] };
}

/** Keep the newest `keep` images; untagged layers from failed pushes go after a week. */
export function lifecyclePolicy(keep: number): object {
    return {
        rules: [
            {
                rulePriority: 1,
                description: "expire untagged images after 7 days",
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `keep the last ${keep} images`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
                action: { type: "expire" },
            },
        ],
    };
}

/**
 * The app's ECR repository: scanned on push, immutable tags (a tag always means the same commit), KMS-encrypted.
 * Its own component so that both the app (pulls) and Jenkins (pushes) take it as an input.
 */
export class Registry extends pulumi.ComponentResource {
    readonly repositoryUrl: pulumi.Output<string>;
    readonly repositoryArn: pulumi.Output<string>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:Registry", name, {}, opts);
        const repo = new aws.ecr.Repository(
            `${name}-app`,
            {
                name: args.repositoryName,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS" }],
                forceDelete: args.forceDelete,
                tags: args.tags,
            },
            { parent: this, protect: args.protect },
        );
        new aws.ecr.LifecyclePolicy(
            `${name}-app`,
            {
                repository: repo.name,
                policy: JSON.stringify(lifecyclePolicy(args.keepImages)),
            },
            { parent: this },
        );
        if (args.promoters?.length) {
            new aws.ecr.RepositoryPolicy(`${name}-app`, { repository: repo.name, policy: JSON.stringify(promotersPolicy(args.promoters)) }, { parent: this });
        }
        this.repositoryUrl = repo.repositoryUrl;
        this.repositoryArn = repo.arn;
        this.registerOutputs({ repositoryUrl: this.repositoryUrl, repositoryArn: this.repositoryArn });
    }
}
