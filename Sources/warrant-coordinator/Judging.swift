import ArgumentParser
import WarrantCoordinator

/// `check RUN_DIR`: every checker over a recorded run, offline; the same verdict `run` printed.
func judgeRun(_ dir: String, json: Bool) async throws {
    let verdict: Verdict
    do {
        verdict = try RunRecord.rejudge(dir)
    } catch {
        throw CommandFailure("\(error)")
    }
    print(json ? try prettyJSON(verdict) : verdict.table)
    if !verdict.passed { throw ExitCode(1) }
}
