/// How long a test waits for something that should happen at once. Generous on purpose:
/// on a loaded 2-core machine the whole test run competes for Swift's cooperative pool,
/// and a wait that merely bounds a test must never be what fails it.
let patience = Duration.seconds(60)
