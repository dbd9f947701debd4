import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

/** No Docker engine runs here, so the image's shape is checked from the Dockerfile itself. */
describe("Dockerfile", () => {
    const root = path.resolve(__dirname, "../..");
    const lines = fs
        .readFileSync(path.join(root, "Dockerfile"), "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"));
    const stages = lines.filter((l) => /^FROM\s/i.test(l));
    const final = lines.slice(lines.lastIndexOf(stages[stages.length - 1]));

    it("is multi-stage and ships a small distroless runtime", () => {
        assert.ok(stages.length >= 2);
        assert.match(stages[stages.length - 1], /distroless\/nodejs\d+/);
    });

    it("installs only production dependencies into the runtime image", () => {
        const copied = final.filter((l) => l.startsWith("COPY --from="));
        const depsStage = /COPY --from=(\w+) \S*node_modules/.exec(copied.join("\n"))?.[1];
        assert.ok(depsStage, "node_modules must come from a build stage");
        const stageLines = lines.slice(lines.findIndex((l) => new RegExp(`AS ${depsStage}$`, "i").test(l)));
        assert.ok(stageLines.find((l) => l.startsWith("RUN npm ci"))?.includes("--omit=dev"));
    });

    it("runs as a non-root user, with no HEALTHCHECK (Kubernetes probes instead)", () => {
        const user = final.find((l) => l.startsWith("USER "));
        assert.ok(user && !/^USER\s+(root|0)(:|$)/.test(user), `runtime user: ${user}`);
        assert.ok(!lines.some((l) => l.startsWith("HEALTHCHECK")));
    });

    it("keeps dependencies, build output and tests out of the build context", () => {
        const ignored = fs.readFileSync(path.join(root, ".dockerignore"), "utf8").split("\n");
        for (const entry of ["node_modules", "dist", "test"]) assert.ok(ignored.includes(entry), `${entry} not in .dockerignore`);
    });

    it("starts the compiled entry point the package names", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        assert.ok(final.some((l) => l === `CMD ["${pkg.main}"]`));
    });
});
