# run_mini_soak_24.ps1 — the mini soak of the seed, through all five stages,
# for Windows PowerShell 5.1 and PowerShell 7:
#   1. clean, 2. soak (24 auto-tuned mock iterations), 3. gate, 4. reports,
#   5. bundle, 6. tag (dry run).
# Each step's exit code is checked; a summary follows; the script exits
# non-zero when a step failed. Binaries come from bin\ beside this script's
# parent, else from PATH. The same environment variables as
# run_mini_soak_24.sh apply (SOAK_OUT, RELEASE_DIR, SOAK_SEED,
# SOAK_ITERATIONS, SOAK_SCENARIO, SOAK_TAG).
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = Split-Path -Parent $PSScriptRoot
function Find-Bin([string]$name) {
    foreach ($cand in @((Join-Path $root "bin/$name.exe"), (Join-Path $root "bin/$name"))) {
        if (Test-Path -LiteralPath $cand) { return $cand }
    }
    $cmd = Get-Command $name -ErrorAction SilentlyContinue
    if ($cmd) { return $cmd.Source }
    Write-Error "run_mini_soak_24: $name not found in $root/bin or on PATH (run 'make build')"
    exit 2
}
function Env-Or([string]$name, [string]$default) {
    $v = [Environment]::GetEnvironmentVariable($name)
    if ([string]::IsNullOrEmpty($v)) { return $default } else { return $v }
}

$out = Env-Or 'SOAK_OUT' 'artifacts/soak/latest'
$release = Env-Or 'RELEASE_DIR' 'release/mini-soak-24'
$reports = Join-Path $out 'reports/analysis'
$seed = Env-Or 'SOAK_SEED' '1'
$iterations = Env-Or 'SOAK_ITERATIONS' '24'
$scenario = Env-Or 'SOAK_SCENARIO' 'steady'
$tagName = Env-Or 'SOAK_TAG' 'v0.0.0-mini-soak'

$results = [System.Collections.Generic.List[object]]::new()
$failed = 0
function Step([string]$name, [string]$exe, [string[]]$arguments) {
    Write-Host "==> ${name}: $exe $($arguments -join ' ')"
    # Arguments are passed as an array: no string is ever parsed by a shell.
    & $exe @arguments | Out-Null
    $rc = $LASTEXITCODE
    $script:results.Add([pscustomobject]@{ Step = $name; Exit = $rc })
    if ($rc -ne 0 -and $script:failed -eq 0) { $script:failed = $rc }
    return $rc
}

# 1. clean
foreach ($p in @($reports, $release, "$release.CANARY")) {
    if (Test-Path -LiteralPath $p) { Remove-Item -LiteralPath $p -Recurse -Force }
}
$results.Add([pscustomobject]@{ Step = 'clean'; Exit = 0 })

# 2. soak
$null = Step 'soak' (Find-Bin 'soak-run') @('--mock', '--auto-tune', '--iterations', $iterations, '--seed', $seed, '--scenario', $scenario, '--out', $out)

# 3. gate
$gate = 2
if ($failed -eq 0) {
    $gate = Step 'gate' (Find-Bin 'soak-gate') @('--path', $out, '--strict', '--prometheus', '--out', $reports)
}

# 4. reports, also after a FAIL verdict, to explain it
if ($gate -eq 0 -or $gate -eq 1) {
    $null = Step 'reports' (Find-Bin 'soak-reports') @('--src', $out, '--out', $reports, '--last-n', '8', '--strict')
}

# 5. bundle, 6. tag dry run
if ($failed -eq 0) {
    $null = Step 'bundle' (Find-Bin 'release-bundle') @('--src', $out, '--reports', $reports, '--out', $release, '--version', $tagName)
}
if ($failed -eq 0) {
    git rev-parse --verify -q HEAD *> $null
    if ($LASTEXITCODE -eq 0) {
        $null = Step 'tag' (Find-Bin 'release-tag') @('--bundle', $release, '--tag', $tagName, '--dry-run', '--allow-dirty', '--out', "$release.CANARY")
    } else {
        Write-Host '==> tag: skipped (no git commit here to tag)'
        $results.Add([pscustomobject]@{ Step = 'tag'; Exit = 'skipped' })
    }
}

Write-Host ''
Write-Host 'mini soak results'
$results | Format-Table -AutoSize | Out-String | Write-Host
if ($failed -eq 0) {
    $snap = Get-Content -Raw -LiteralPath (Join-Path $reports 'POST_SOAK_SNAPSHOT.json') | ConvertFrom-Json
    Write-Host "verdict: $($snap.verdict)"
    Write-Host "bundle:  $release"
}
exit $failed
