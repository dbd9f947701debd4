/** Kubernetes resource quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/). */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 };

function parse(value: unknown): number {
    const m = /^\s*([0-9.]+)\s*([A-Za-z]*)\s*$/.exec(String(value));
    const factor = m ? (BINARY[m[2]] ?? DECIMAL[m[2]]) : undefined;
    if (!m || factor === undefined || Number.isNaN(Number(m[1]))) throw new Error(`"${value}" is not a Kubernetes quantity`);
    return Number(m[1]) * factor;
}

/** A CPU quantity ("1", "500m", 0.5) in millicores; 0 when not given. */
export function millicores(value: unknown): number {
    return value === undefined || value === null || value === "" ? 0 : Math.round(parse(value) * 1000);
}

/** A memory quantity ("2Gi", "512Mi", "1G") in MiB; 0 when not given. */
export function mebibytes(value: unknown): number {
    return value === undefined || value === null || value === "" ? 0 : parse(value) / 2 ** 20;
}

export function formatCpu(m: number): string {
    return m % 1000 === 0 ? `${m / 1000} vCPU` : `${(m / 1000).toFixed(2).replace(/0$/, "")} vCPU`;
}

export function formatMemory(mib: number): string {
    return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024}Gi` : `${Math.round(mib)}Mi`;
}
