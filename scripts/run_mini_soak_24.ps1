# run_mini_soak_24.ps1 - the mini soak of the seed, through all five stages,
# for Windows PowerShell 5.1 and PowerShell 7:
#   1. clean    the previous demo's reports and release bundle
#   2. soak     24 auto-tuned iterations on the built-in simulator
#   3. gate     judge the last 8 iterations (verdict, Prometheus metrics, snapshot)
#   4. reports  audit, recommendations, failures, charts
#   5. bundle   the checksummed release bundle
#   6. tag      a dry run of the annotated tag and the canary checklist
# Each step's exit code is checked; a summary follows. A step runs only when
# every step before it succeeded, except the reports, which also explain a
# FAIL verdict. Each step's stdout (artifact bytes) is discarded: its
# artifacts are files; its stderr is shown.
#
# Exit status:
#   0    every step succeeded (the tag step is skipped where there is no git commit)
#   2    a binary is in neither bin/ nor PATH (checked before any step runs)
#   N    otherwise the first failing step's code: 1 clean failed or the gate's
#        verdict is FAIL, 2 usage or input error, 3 INCONCLUSIVE, 130 interrupted
#
# Binaries come from bin\ beside this script's parent, else from PATH.
# Environment: SOAK_OUT (default artifacts/soak/latest), RELEASE_DIR
# (default release/mini-soak-24), SOAK_SEED (default 1), SOAK_ITERATIONS
# (default 24), SOAK_SCENARIO (default steady), SOAK_TAG (default
# v0.0.0-mini-soak).
#
# scripts/run_mini_soak_24.sh is the same script for bash; keep the two in
# step (e2e/scripts_parity_test.go compares them).
#
# The binaries are started with System.Diagnostics.Process, not the call
# operator, for three reasons: Windows PowerShell 5.1 quotes native
# arguments wrongly (C:\x y\ arrives as C:\x y"), PowerShell 7.4's
# $PSNativeCommandUseErrorActionPreference turns a non-zero exit (a FAIL
# verdict) into a terminating error, and under 'Stop' Windows PowerShell 5.1
# turns a native command's stderr into one. Each argument is quoted here by
# the rules the programs parse their command line with.
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false
Set-StrictMode -Version Latest

$root = Split-Path -Parent $PSScriptRoot

function Write-Stderr([string]$line) {
    [Console]::Error.WriteLine($line)
}

# Find-Bin returns the binary's path, from bin\ first, or $null.
function Find-Bin([string]$name) {
    foreach ($cand in @((Join-Path $root "bin/$name.exe"), (Join-Path $root "bin/$name"))) {
        if (Test-Path -LiteralPath $cand -PathType Leaf) { return $cand }
    }
    $cmd = Get-Command $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($cmd) { return $cmd.Path }
    return $null
}

# ConvertTo-CommandLineArgument quotes one argument so that the C runtime's
# parser (CommandLineToArgvW; Go's os.Args on Windows; .NET's elsewhere)
# reads it back unchanged: backslashes are literal except before a quote,
# so those before a quote, and those before the closing quote, are doubled.
function ConvertTo-CommandLineArgument([string]$arg) {
    if ($arg.Length -gt 0 -and $arg -notmatch '[\s"]') { return $arg }
    $sb = New-Object System.Text.StringBuilder
    [void]$sb.Append([char]'"')
    $backslashes = 0
    foreach ($c in $arg.ToCharArray()) {
        if ($c -eq [char]'\') {
            $backslashes++
            continue
        }
        if ($c -eq [char]'"') {
            [void]$sb.Append([char]'\', 2 * $backslashes + 1)
        } elseif ($backslashes -gt 0) {
            [void]$sb.Append([char]'\', $backslashes)
        }
        [void]$sb.Append($c)
        $backslashes = 0
    }
    [void]$sb.Append([char]'\', 2 * $backslashes)
    [void]$sb.Append([char]'"')
    return $sb.ToString()
}

# Invoke-Native runs a program in the current location and returns its exit
# code, 126 when it cannot be started (as bash). Its stdout is read and
# discarded; its stderr reaches the console, or is discarded too with -Quiet.
function Invoke-Native([string]$exe, [string[]]$arguments, [switch]$Quiet) {
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $exe
    $psi.Arguments = (@($arguments | ForEach-Object { ConvertTo-CommandLineArgument $_ }) -join ' ')
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = [bool]$Quiet
    # Relative paths in the arguments are relative to PowerShell's location,
    # which is not the process's current directory on Windows PowerShell.
    $psi.WorkingDirectory = (Get-Location -PSProvider FileSystem).ProviderPath
    try {
        $p = [System.Diagnostics.Process]::Start($psi)
    } catch {
        Write-Stderr "run_mini_soak_24: cannot start ${exe}: $($_.Exception.Message)"
        return 126
    }
    $stderr = $null
    if ($Quiet) { $stderr = $p.StandardError.ReadToEndAsync() }
    $null = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    if ($null -ne $stderr) { $null = $stderr.Result }
    return $p.ExitCode
}

# Test-GitHead tells whether the current location is in a git work tree with
# a commit; false without git.
function Test-GitHead {
    $git = Get-Command git -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $git) { return $false }
    return (Invoke-Native $git.Path @('rev-parse', '--verify', '-q', 'HEAD') -Quiet) -eq 0
}

$bins = @{}
foreach ($b in @('soak-run', 'soak-gate', 'soak-reports', 'release-bundle', 'release-tag')) {
    $bins[$b] = Find-Bin $b
    if (-not $bins[$b]) {
        Write-Stderr "run_mini_soak_24: error: $b not found in $root/bin or on PATH (run 'make build')"
        exit 2
    }
}

function Get-EnvOr([string]$name, [string]$default) {
    $v = [Environment]::GetEnvironmentVariable($name)
    if ([string]::IsNullOrEmpty($v)) { return $default } else { return $v }
}

$out = Get-EnvOr 'SOAK_OUT' 'artifacts/soak/latest'
$release = Get-EnvOr 'RELEASE_DIR' 'release/mini-soak-24'
$reports = "$out/reports/analysis"
$seed = Get-EnvOr 'SOAK_SEED' '1'
$iterations = Get-EnvOr 'SOAK_ITERATIONS' '24'
$scenario = Get-EnvOr 'SOAK_SCENARIO' 'steady'
$tagname = Get-EnvOr 'SOAK_TAG' 'v0.0.0-mini-soak'

$names = New-Object System.Collections.Generic.List[string]
$codes = New-Object System.Collections.Generic.List[string]
function Add-Result([string]$name, [string]$code) {
    $script:names.Add($name)
    $script:codes.Add($code)
}
$failed = 0

# Step NAME EXE ARGS - run, record, remember the first failure
function Step([string]$name, [string]$exe, [string[]]$arguments) {
    Write-Stderr "==> ${name}: $exe $($arguments -join ' ')"
    $rc = Invoke-Native $exe $arguments
    Add-Result $name $rc
    if ($rc -ne 0 -and $script:failed -eq 0) { $script:failed = $rc }
    return $rc
}

# 1. clean: soak-run clears its own artifacts; the reports and the release
# bundle of the previous demo are ours to remove.
$clean = 0
foreach ($path in @($reports, $release, "$release.CANARY")) {
    if (Test-Path -LiteralPath $path) {
        try {
            Remove-Item -LiteralPath $path -Recurse -Force
        } catch {
            Write-Stderr "run_mini_soak_24: clean: $($_.Exception.Message)"
            $clean = 1
        }
    }
}
Add-Result 'clean' $clean
$failed = $clean

# 2. soak
if ($failed -eq 0) {
    $null = Step 'soak' $bins['soak-run'] @('--mock', '--auto-tune', '--iterations', $iterations, '--seed', $seed, '--scenario', $scenario, '--out', $out)
}

# 3. gate: its table of checks goes to stderr; --out keeps the snapshot and
# DELTA_VERIFY_REPORT.json, which soak-reports leaves in place and the bundle needs
$gate = 2
if ($failed -eq 0) {
    $gate = Step 'gate' $bins['soak-gate'] @('--path', $out, '--strict', '--prometheus', '--out', $reports)
}

# 4. reports: also after a FAIL verdict, so that the failure is explained
if ($gate -eq 0 -or $gate -eq 1) {
    $null = Step 'reports' $bins['soak-reports'] @('--src', $out, '--out', $reports, '--last-n', '8', '--strict')
}

# 5. bundle
if ($failed -eq 0) {
    $null = Step 'bundle' $bins['release-bundle'] @('--src', $out, '--reports', $reports, '--out', $release, '--version', $tagname)
}

# 6. tag: a demo runs in a working copy that may have local edits, so a dry
# run only; skipped outside a git work tree or without git
if ($failed -eq 0) {
    if (Test-GitHead) {
        $null = Step 'tag' $bins['release-tag'] @('--bundle', $release, '--tag', $tagname, '--dry-run', '--allow-dirty', '--out', "$release.CANARY")
    } else {
        Write-Stderr '==> tag: skipped (no git commit here to tag)'
        Add-Result 'tag' 'skipped'
    }
}

Write-Stderr ''
Write-Stderr 'mini soak results'
for ($i = 0; $i -lt $names.Count; $i++) {
    Write-Stderr ('  {0,-8} {1}' -f $names[$i], $codes[$i])
}
if ($failed -eq 0) {
    $verdict = ''
    try {
        $verdict = (Get-Content -Raw -LiteralPath "$reports/POST_SOAK_SNAPSHOT.json" | ConvertFrom-Json).verdict
    } catch {
        $verdict = ''
    }
    Write-Stderr "  verdict  $verdict"
    Write-Stderr "  bundle   $release"
}
exit $failed
