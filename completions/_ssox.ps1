
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ssox' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $previous = if ($commandAst.CommandElements.Count -gt 1) { $commandAst.CommandElements[-1].ToString() } else { '' }
    if ($wordToComplete -ne '' -and $commandAst.CommandElements.Count -gt 2) { $previous = $commandAst.CommandElements[-2].ToString() }
    $nameFlag = switch ($previous) { { $_ -in '-p', '--profile' } { '--names' } '--sso-session' { '--sso-session-names' } default { $null } }
    if ($nameFlag) {
        ssox profiles $nameFlag 2>$null | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
            [CompletionResult]::new($_, $_, [CompletionResultType]::ParameterValue, $_)
        }
        return
    }
    $commandElements = $commandAst.CommandElements
    $command = @(
        'ssox'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ssox' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The AWS profile to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The AWS profile to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region to give PROGRAM (AWS_REGION and AWS_DEFAULT_REGION) [default: the profile''s region]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Print the credentials in this format instead of running a program')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Write the credentials into section [NAME] of the shared credentials file')
            [CompletionResult]::new('--credentials-file-profile', '--credentials-file-profile', [CompletionResultType]::ParameterName, 'Write the credentials into section [NAME] of the shared credentials file')
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'Reuse cached role credentials only if they last at least this long (e.g. 50m) [default: 15m]')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'With --server: listen on ADDR[:PORT] instead of 127.0.0.1, for containers: 169.254.170.2 (a Docker network''s gateway), 169.254.170.23, fd00:ec2::23 or loopback, the addresses the SDKs accept over http')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'With --server: also write the endpoint''s token to PATH (0600, in a directory only you can enter; removed on exit), and give PROGRAM AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE instead of the token')
            [CompletionResult]::new('--mfa-token', '--mfa-token', [CompletionResultType]::ParameterName, 'The MFA code for a role with mfa_serial (else ssox asks on the terminal)')
            [CompletionResult]::new('--process-timeout', '--process-timeout', [CompletionResultType]::ParameterName, 'How long a profile''s credential_process may run')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the login to be approved (e.g. 10m, 90s)')
            [CompletionResult]::new('--env-export', '--env-export', [CompletionResultType]::ParameterName, 'Print `export AWS_...=...` lines instead of running a program (for eval)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Print `AWS_...=...` lines instead of running a program (dotenv-compatible)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print credential_process JSON instead of running a program')
            [CompletionResult]::new('--pretty', '--pretty', [CompletionResultType]::ParameterName, 'Indent the JSON output')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With -c: overwrite a section that holds long-term keys')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Run PROGRAM as a child and serve it fresh credentials on 127.0.0.1 for as long as it runs (the SDKs'' container credentials provider), instead of fixed AWS_* variables')
            [CompletionResult]::new('--no-login', '--no-login', [CompletionResultType]::ParameterName, 'Never start a login; fail with exit status 77 when no usable token is cached')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Ignore cached role credentials and fetch new ones')
            [CompletionResult]::new('--use-device-code', '--use-device-code', [CompletionResultType]::ParameterName, 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Do not open a browser; only print the URL to open')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in to IAM Identity Center, or sign in with console credentials (aws login), and cache the result where the AWS CLI reads it')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Log out: end SSO sessions, delete their cached tokens, the role credentials cached from them, and aws login caches')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the profiles with their kind, account and role, region, and the state of their credentials')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Explain what ssox would do for a profile, and why (no network unless --check)')
            [CompletionResult]::new('configure', 'configure', [CompletionResultType]::ParameterValue, 'Write a profile for every account and role your SSO login can use into ~/.aws/config')
            [CompletionResult]::new('console', 'console', [CompletionResultType]::ParameterValue, 'Open the AWS web console as a profile, in the browser (or print the sign-in URL)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell (profile names complete from your config files)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssox;login' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'A profile whose SSO session to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'A profile whose SSO session to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]')
            [CompletionResult]::new('--sso-session', '--sso-session', [CompletionResultType]::ParameterName, 'An [sso-session NAME] section of the config file')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the login to be approved (e.g. 10m, 90s)')
            [CompletionResult]::new('--redirect-port', '--redirect-port', [CompletionResultType]::ParameterName, 'Port for the browser''s redirect to 127.0.0.1 [default: a random free port]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The region to sign in at with --console [default: the profile''s region, else $AWS_REGION]')
            [CompletionResult]::new('--use-device-code', '--use-device-code', [CompletionResultType]::ParameterName, 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Do not open a browser; only print the URL to open')
            [CompletionResult]::new('--console', '--console', [CompletionResultType]::ParameterName, 'Sign in with AWS console credentials, as `aws login` does, and write login_session into the profile (the default for profiles that have login_session)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ssox;logout' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only this profile''s SSO session [default: every cached session]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Only this profile''s SSO session [default: every cached session]')
            [CompletionResult]::new('--sso-session', '--sso-session', [CompletionResultType]::ParameterName, 'Only this sso-session')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ssox;profiles' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON for scripts')
            [CompletionResult]::new('--names', '--names', [CompletionResultType]::ParameterName, 'Print the profile names only, one a line')
            [CompletionResult]::new('--sso-session-names', '--sso-session-names', [CompletionResultType]::ParameterName, 'Print the sso-session names only, one a line')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ssox;doctor' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to examine [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to examine [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Also get credentials once from the service, to prove the whole path works')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ssox;configure' {
            [CompletionResult]::new('--start-url', '--start-url', [CompletionResultType]::ParameterName, 'Your AWS access portal URL (e.g. https://d-0123456789.awsapps.com/start), for a new sso-session')
            [CompletionResult]::new('--sso-region', '--sso-region', [CompletionResultType]::ParameterName, 'The region of your IAM Identity Center, for a new sso-session (e.g. eu-west-1)')
            [CompletionResult]::new('--sso-session', '--sso-session', [CompletionResultType]::ParameterName, 'The sso-session to use, or to create with --start-url [default: the config''s only sso-session, or a name made from the portal''s host]')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'How to name the profiles, from {account_name}, {account_id}, {role_name} and {session}')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Set `region` in every profile written (the region PROGRAM''s AWS calls go to)')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the login to be approved (e.g. 10m, 90s)')
            [CompletionResult]::new('--pick', '--pick', [CompletionResultType]::ParameterName, 'Choose the accounts and roles to write in a fuzzy picker')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Also remove profiles that ssox configure wrote for this sso-session whose role you no longer have')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the change as a unified diff, and write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Write the change without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Write the change without asking')
            [CompletionResult]::new('--use-device-code', '--use-device-code', [CompletionResultType]::ParameterName, 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Do not open a browser; only print the URL to open')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ssox;console' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to sign in as [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to sign in as [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The console''s region [default: $AWS_REGION, else $AWS_DEFAULT_REGION, else the profile''s region, else us-east-1]')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Open this service''s console page (s3, ec2, cloudformation, ...) instead of the home page')
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Open this console URL after signing in')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long the console session lasts (15m to 12h; up to 36h for an IAM user''s keys) [default: as long as the credentials]')
            [CompletionResult]::new('--mfa-token', '--mfa-token', [CompletionResultType]::ParameterName, 'The MFA code for a role with mfa_serial (else ssox asks on the terminal)')
            [CompletionResult]::new('--process-timeout', '--process-timeout', [CompletionResultType]::ParameterName, 'How long a profile''s credential_process may run')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the login to be approved (e.g. 10m, 90s)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Print the sign-in URL on stdout instead of opening it (it signs in whoever has it, for about 15 minutes)')
            [CompletionResult]::new('--no-login', '--no-login', [CompletionResultType]::ParameterName, 'Never start a login; fail with exit status 77 when no usable token is cached')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Ignore cached role credentials and fetch new ones')
            [CompletionResult]::new('--use-device-code', '--use-device-code', [CompletionResultType]::ParameterName, 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Do not open a browser; only print the URL to open')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ssox;completions' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ssox;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in to IAM Identity Center, or sign in with console credentials (aws login), and cache the result where the AWS CLI reads it')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Log out: end SSO sessions, delete their cached tokens, the role credentials cached from them, and aws login caches')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the profiles with their kind, account and role, region, and the state of their credentials')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Explain what ssox would do for a profile, and why (no network unless --check)')
            [CompletionResult]::new('configure', 'configure', [CompletionResultType]::ParameterValue, 'Write a profile for every account and role your SSO login can use into ~/.aws/config')
            [CompletionResult]::new('console', 'console', [CompletionResultType]::ParameterValue, 'Open the AWS web console as a profile, in the browser (or print the sign-in URL)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell (profile names complete from your config files)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ssox;help;login' {
            break
        }
        'ssox;help;logout' {
            break
        }
        'ssox;help;profiles' {
            break
        }
        'ssox;help;doctor' {
            break
        }
        'ssox;help;configure' {
            break
        }
        'ssox;help;console' {
            break
        }
        'ssox;help;completions' {
            break
        }
        'ssox;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
