# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ssox_global_optspecs
    string join \n p/profile= region= env-export env json format= pretty c/credentials-file-profile= force min-ttl= server listen= token-file= no-login refresh mfa-token= process-timeout= use-device-code no-browser login-timeout= v/verbose h/help V/version
end

function __fish_ssox_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ssox_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ssox_using_subcommand
    set -l cmd (__fish_ssox_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -s p -l profile -d 'The AWS profile to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]' -r -f -a "(ssox profiles --names 2>/dev/null)"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l region -d 'Region to give PROGRAM (AWS_REGION and AWS_DEFAULT_REGION) [default: the profile\'s region]' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l format -d 'Print the credentials in this format instead of running a program' -r -f -a "process\t'credential_process JSON (Version 1)'
env\t'`export KEY=value` lines for POSIX shells'
env-no-export\t'`KEY=value` lines for POSIX shells'
dotenv\t'`KEY=value` lines for .env files'
powershell\t'`$Env:KEY="value"` lines for PowerShell'
windows-cmd\t'`set KEY=value` lines for cmd.exe'
fish\t'`set -gx KEY value` lines for fish'"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -s c -l credentials-file-profile -d 'Write the credentials into section [NAME] of the shared credentials file' -r -f -a "(ssox profiles --names 2>/dev/null)"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l min-ttl -d 'Reuse cached role credentials only if they last at least this long (e.g. 50m) [default: 15m]' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l listen -d 'With --server: listen on ADDR[:PORT] instead of 127.0.0.1, for containers: 169.254.170.2 (a Docker network\'s gateway), 169.254.170.23, fd00:ec2::23 or loopback, the addresses the SDKs accept over http' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l token-file -d 'With --server: also write the endpoint\'s token to PATH (0600, in a directory only you can enter; removed on exit), and give PROGRAM AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE instead of the token' -r -F
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l mfa-token -d 'The MFA code for a role with mfa_serial (else ssox asks on the terminal)' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l process-timeout -d 'How long a profile\'s credential_process may run' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l login-timeout -d 'How long to wait for the login to be approved (e.g. 10m, 90s)' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l env-export -d 'Print `export AWS_...=...` lines instead of running a program (for eval)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l env -d 'Print `AWS_...=...` lines instead of running a program (dotenv-compatible)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l json -d 'Print credential_process JSON instead of running a program'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l pretty -d 'Indent the JSON output'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l force -d 'With -c: overwrite a section that holds long-term keys'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l server -d 'Run PROGRAM as a child and serve it fresh credentials on 127.0.0.1 for as long as it runs (the SDKs\' container credentials provider), instead of fixed AWS_* variables'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l no-login -d 'Never start a login; fail with exit status 77 when no usable token is cached'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l refresh -d 'Ignore cached role credentials and fetch new ones'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l use-device-code -d 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -l no-browser -d 'Do not open a browser; only print the URL to open'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -s v -l verbose -d 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -s V -l version -d 'Print version'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -a "login" -d 'Log in to IAM Identity Center, or sign in with console credentials (aws login), and cache the result where the AWS CLI reads it'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -a "logout" -d 'Log out: end SSO sessions, delete their cached tokens, the role credentials cached from them, and aws login caches'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -a "profiles" -d 'List the profiles with their kind, account and role, region, and the state of their credentials'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -a "doctor" -d 'Explain what ssox would do for a profile, and why (no network unless --check)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -a "configure" -d 'Write a profile for every account and role your SSO login can use into ~/.aws/config'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -a "console" -d 'Open the AWS web console as a profile, in the browser (or print the sign-in URL)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -a "completions" -d 'Print the completion script for a shell (profile names complete from your config files)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -s p -l profile -d 'A profile whose SSO session to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]' -r -f -a "(ssox profiles --names 2>/dev/null)"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -l sso-session -d 'An [sso-session NAME] section of the config file' -r -f -a "(ssox profiles --sso-session-names 2>/dev/null)"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -l login-timeout -d 'How long to wait for the login to be approved (e.g. 10m, 90s)' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -l redirect-port -d 'Port for the browser\'s redirect to 127.0.0.1 [default: a random free port]' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -l region -d 'The region to sign in at with --console [default: the profile\'s region, else $AWS_REGION]' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -l use-device-code -d 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -l no-browser -d 'Do not open a browser; only print the URL to open'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -l console -d 'Sign in with AWS console credentials, as `aws login` does, and write login_session into the profile (the default for profiles that have login_session)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -s v -l verbose -d 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand login" -s h -l help -d 'Print help'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand logout" -s p -l profile -d 'Only this profile\'s SSO session [default: every cached session]' -r -f -a "(ssox profiles --names 2>/dev/null)"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand logout" -l sso-session -d 'Only this sso-session' -r -f -a "(ssox profiles --sso-session-names 2>/dev/null)"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand logout" -s v -l verbose -d 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand logout" -s h -l help -d 'Print help'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand profiles" -l json -d 'Print JSON for scripts'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand profiles" -l names -d 'Print the profile names only, one a line'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand profiles" -l sso-session-names -d 'Print the sso-session names only, one a line'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand profiles" -s v -l verbose -d 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand profiles" -s h -l help -d 'Print help'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand doctor" -s p -l profile -d 'The profile to examine [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]' -r -f -a "(ssox profiles --names 2>/dev/null)"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand doctor" -l check -d 'Also get credentials once from the service, to prove the whole path works'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand doctor" -s v -l verbose -d 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l start-url -d 'Your AWS access portal URL (e.g. https://d-0123456789.awsapps.com/start), for a new sso-session' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l sso-region -d 'The region of your IAM Identity Center, for a new sso-session (e.g. eu-west-1)' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l sso-session -d 'The sso-session to use, or to create with --start-url [default: the config\'s only sso-session, or a name made from the portal\'s host]' -r -f -a "(ssox profiles --sso-session-names 2>/dev/null)"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l template -d 'How to name the profiles, from {account_name}, {account_id}, {role_name} and {session}' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l region -d 'Set `region` in every profile written (the region PROGRAM\'s AWS calls go to)' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l login-timeout -d 'How long to wait for the login to be approved (e.g. 10m, 90s)' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l pick -d 'Choose the accounts and roles to write in a fuzzy picker'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l prune -d 'Also remove profiles that ssox configure wrote for this sso-session whose role you no longer have'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l dry-run -d 'Print the change as a unified diff, and write nothing'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -s y -l yes -d 'Write the change without asking'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l use-device-code -d 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -l no-browser -d 'Do not open a browser; only print the URL to open'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -s v -l verbose -d 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand configure" -s h -l help -d 'Print help'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -s p -l profile -d 'The profile to sign in as [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]' -r -f -a "(ssox profiles --names 2>/dev/null)"
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l region -d 'The console\'s region [default: $AWS_REGION, else $AWS_DEFAULT_REGION, else the profile\'s region, else us-east-1]' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l service -d 'Open this service\'s console page (s3, ec2, cloudformation, ...) instead of the home page' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l destination -d 'Open this console URL after signing in' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l duration -d 'How long the console session lasts (15m to 12h; up to 36h for an IAM user\'s keys) [default: as long as the credentials]' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l mfa-token -d 'The MFA code for a role with mfa_serial (else ssox asks on the terminal)' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l process-timeout -d 'How long a profile\'s credential_process may run' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l login-timeout -d 'How long to wait for the login to be approved (e.g. 10m, 90s)' -r
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l url -d 'Print the sign-in URL on stdout instead of opening it (it signs in whoever has it, for about 15 minutes)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l no-login -d 'Never start a login; fail with exit status 77 when no usable token is cached'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l refresh -d 'Ignore cached role credentials and fetch new ones'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l use-device-code -d 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -l no-browser -d 'Do not open a browser; only print the URL to open'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -s v -l verbose -d 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand console" -s h -l help -d 'Print help'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand completions" -s v -l verbose -d 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand help; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help" -f -a "login" -d 'Log in to IAM Identity Center, or sign in with console credentials (aws login), and cache the result where the AWS CLI reads it'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand help; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help" -f -a "logout" -d 'Log out: end SSO sessions, delete their cached tokens, the role credentials cached from them, and aws login caches'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand help; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help" -f -a "profiles" -d 'List the profiles with their kind, account and role, region, and the state of their credentials'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand help; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help" -f -a "doctor" -d 'Explain what ssox would do for a profile, and why (no network unless --check)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand help; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help" -f -a "configure" -d 'Write a profile for every account and role your SSO login can use into ~/.aws/config'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand help; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help" -f -a "console" -d 'Open the AWS web console as a profile, in the browser (or print the sign-in URL)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand help; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help" -f -a "completions" -d 'Print the completion script for a shell (profile names complete from your config files)'
complete -c ssox -n "not __fish_ssox_after_dashdash; and __fish_ssox_using_subcommand help; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

function __fish_ssox_after_dashdash
    contains -- -- (commandline -opc)
end

function __fish_ssox_program
    set -l tokens (commandline -opc) (commandline -ct)
    set -l i (contains -i -- -- $tokens)
    __fish_complete_subcommand --commandline $tokens[(math $i + 1)..-1]
end

complete -c ssox -n __fish_ssox_after_dashdash -x -a "(__fish_ssox_program)"
complete -c ssox -n "not __fish_ssox_after_dashdash" -f

set -l __ssox_top "not __fish_ssox_after_dashdash; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help"
complete -c ssox -n $__ssox_top -s p -l profile -r -f -a "(ssox profiles --names 2>/dev/null)"
complete -c ssox -n $__ssox_top -s c -l credentials-file-profile -r -f -a "(ssox profiles --names 2>/dev/null)"
complete -c ssox -n $__ssox_top -l format -r -f -a "process\t'credential_process JSON (Version 1)'
env\t'`export KEY=value` lines for POSIX shells'
env-no-export\t'`KEY=value` lines for POSIX shells'
dotenv\t'`KEY=value` lines for .env files'
powershell\t'`$Env:KEY="value"` lines for PowerShell'
windows-cmd\t'`set KEY=value` lines for cmd.exe'
fish\t'`set -gx KEY value` lines for fish'"
