/**
 * The Availability Zones an account sees per region: the zone-name letters `aws.getAvailabilityZones` (which awsx's
 * Vpc calls to pick its first N zones) returns, in order.
 *
 * Source: getmoto/moto, moto/ec2/resources/instance_type_offerings/availability-zone/<region>.json and
 * .../availability-zone-id/<region>.json, written monthly from real EC2 DescribeInstanceTypeOfferings calls by
 * scripts/ec2_get_instance_type_offerings.py; read at moto commit 0af643a5 (2026-08-22), data last refreshed in
 * c6bd43ff (2026-08-01). The zone names and the AZ ids agree in count for every region listed.
 *
 * Caveats: in the oldest regions the name→zone mapping and even the count can differ per account (us-west-1 and
 * ap-northeast-1 show older accounts a zone this table leaves out); opted-in Local Zones are also returned by
 * getAvailabilityZones and are not counted here. Regions missing (ap-east-2, ap-southeast-6/7, mx-central-1,
 * GovCloud, China, …) cannot be checked.
 */
const REGION_AZS: Readonly<Record<string, string>> = {
    "af-south-1": "abc",
    "ap-east-1": "abc",
    "ap-northeast-1": "acd",
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ap-south-1": "abc",
    "ap-south-2": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-southeast-3": "abc",
    "ap-southeast-4": "abc",
    "ap-southeast-5": "abc",
    "ca-central-1": "abd",
    "ca-west-1": "abc",
    "eu-central-1": "abc",
    "eu-central-2": "abc",
    "eu-north-1": "abc",
    "eu-south-1": "abc",
    "eu-south-2": "abc",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-west-3": "abc",
    "il-central-1": "abc",
    "me-central-1": "abc",
    "me-south-1": "abc",
    "sa-east-1": "abc",
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-west-1": "ab",
    "us-west-2": "abcd",
};

/** The region's AZ names (us-east-1a, …), or undefined for a region the table does not hold. */
export function regionAzNames(region: string): string[] | undefined {
    const letters = Object.prototype.hasOwnProperty.call(REGION_AZS, region) ? REGION_AZS[region] : undefined;
    return letters === undefined ? undefined : [...letters].map((l) => `${region}${l}`);
}

/** Where the table comes from, for messages. */
export const REGION_AZS_SOURCE = "components/network/region-azs.ts (EC2 offerings data of getmoto/moto, 2026-08-01)";
