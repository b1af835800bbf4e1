// Runs once before any test file. Shared engines that many files use are started here.
export default function setup(): void {}
