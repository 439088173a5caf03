
use builtin;
use str;

set edit:completion:arg-completer[ssox] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ssox'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    if (and (> (count $words) 1) (has-value [-p --profile] $words[-2])) {
        ssox profiles --names 2>/dev/null | from-lines
        return
    }
    if (and (> (count $words) 1) (eq $words[-2] --sso-session)) {
        ssox profiles --sso-session-names 2>/dev/null | from-lines
        return
    }
    var completions = [
        &'ssox'= {
            cand -p 'The AWS profile to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]'
            cand --profile 'The AWS profile to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]'
            cand --region 'Region to give PROGRAM (AWS_REGION and AWS_DEFAULT_REGION) [default: the profile''s region]'
            cand --format 'Print the credentials in this format instead of running a program'
            cand -c 'Write the credentials into section [NAME] of the shared credentials file'
            cand --credentials-file-profile 'Write the credentials into section [NAME] of the shared credentials file'
            cand --min-ttl 'Reuse cached role credentials only if they last at least this long (e.g. 50m) [default: 15m]'
            cand --listen 'With --server: listen on ADDR[:PORT] instead of 127.0.0.1, for containers: 169.254.170.2 (a Docker network''s gateway), 169.254.170.23, fd00:ec2::23 or loopback, the addresses the SDKs accept over http'
            cand --token-file 'With --server: also write the endpoint''s token to PATH (0600, in a directory only you can enter; removed on exit), and give PROGRAM AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE instead of the token'
            cand --mfa-token 'The MFA code for a role with mfa_serial (else ssox asks on the terminal)'
            cand --process-timeout 'How long a profile''s credential_process may run'
            cand --login-timeout 'How long to wait for the login to be approved (e.g. 10m, 90s)'
            cand --env-export 'Print `export AWS_...=...` lines instead of running a program (for eval)'
            cand --env 'Print `AWS_...=...` lines instead of running a program (dotenv-compatible)'
            cand --json 'Print credential_process JSON instead of running a program'
            cand --pretty 'Indent the JSON output'
            cand --force 'With -c: overwrite a section that holds long-term keys'
            cand --server 'Run PROGRAM as a child and serve it fresh credentials on 127.0.0.1 for as long as it runs (the SDKs'' container credentials provider), instead of fixed AWS_* variables'
            cand --no-login 'Never start a login; fail with exit status 77 when no usable token is cached'
            cand --refresh 'Ignore cached role credentials and fetch new ones'
            cand --use-device-code 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)'
            cand --no-browser 'Do not open a browser; only print the URL to open'
            cand -v 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand --verbose 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Log in to IAM Identity Center, or sign in with console credentials (aws login), and cache the result where the AWS CLI reads it'
            cand logout 'Log out: end SSO sessions, delete their cached tokens, the role credentials cached from them, and aws login caches'
            cand profiles 'List the profiles with their kind, account and role, region, and the state of their credentials'
            cand doctor 'Explain what ssox would do for a profile, and why (no network unless --check)'
            cand configure 'Write a profile for every account and role your SSO login can use into ~/.aws/config'
            cand console 'Open the AWS web console as a profile, in the browser (or print the sign-in URL)'
            cand completions 'Print the completion script for a shell (profile names complete from your config files)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssox;login'= {
            cand -p 'A profile whose SSO session to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]'
            cand --profile 'A profile whose SSO session to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]'
            cand --sso-session 'An [sso-session NAME] section of the config file'
            cand --login-timeout 'How long to wait for the login to be approved (e.g. 10m, 90s)'
            cand --redirect-port 'Port for the browser''s redirect to 127.0.0.1 [default: a random free port]'
            cand --region 'The region to sign in at with --console [default: the profile''s region, else $AWS_REGION]'
            cand --use-device-code 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)'
            cand --no-browser 'Do not open a browser; only print the URL to open'
            cand --console 'Sign in with AWS console credentials, as `aws login` does, and write login_session into the profile (the default for profiles that have login_session)'
            cand -v 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand --verbose 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ssox;logout'= {
            cand -p 'Only this profile''s SSO session [default: every cached session]'
            cand --profile 'Only this profile''s SSO session [default: every cached session]'
            cand --sso-session 'Only this sso-session'
            cand -v 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand --verbose 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ssox;profiles'= {
            cand --json 'Print JSON for scripts'
            cand --names 'Print the profile names only, one a line'
            cand --sso-session-names 'Print the sso-session names only, one a line'
            cand -v 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand --verbose 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ssox;doctor'= {
            cand -p 'The profile to examine [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]'
            cand --profile 'The profile to examine [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]'
            cand --check 'Also get credentials once from the service, to prove the whole path works'
            cand -v 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand --verbose 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ssox;configure'= {
            cand --start-url 'Your AWS access portal URL (e.g. https://d-0123456789.awsapps.com/start), for a new sso-session'
            cand --sso-region 'The region of your IAM Identity Center, for a new sso-session (e.g. eu-west-1)'
            cand --sso-session 'The sso-session to use, or to create with --start-url [default: the config''s only sso-session, or a name made from the portal''s host]'
            cand --template 'How to name the profiles, from {account_name}, {account_id}, {role_name} and {session}'
            cand --region 'Set `region` in every profile written (the region PROGRAM''s AWS calls go to)'
            cand --login-timeout 'How long to wait for the login to be approved (e.g. 10m, 90s)'
            cand --pick 'Choose the accounts and roles to write in a fuzzy picker'
            cand --prune 'Also remove profiles that ssox configure wrote for this sso-session whose role you no longer have'
            cand --dry-run 'Print the change as a unified diff, and write nothing'
            cand -y 'Write the change without asking'
            cand --yes 'Write the change without asking'
            cand --use-device-code 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)'
            cand --no-browser 'Do not open a browser; only print the URL to open'
            cand -v 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand --verbose 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ssox;console'= {
            cand -p 'The profile to sign in as [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]'
            cand --profile 'The profile to sign in as [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]'
            cand --region 'The console''s region [default: $AWS_REGION, else $AWS_DEFAULT_REGION, else the profile''s region, else us-east-1]'
            cand --service 'Open this service''s console page (s3, ec2, cloudformation, ...) instead of the home page'
            cand --destination 'Open this console URL after signing in'
            cand --duration 'How long the console session lasts (15m to 12h; up to 36h for an IAM user''s keys) [default: as long as the credentials]'
            cand --mfa-token 'The MFA code for a role with mfa_serial (else ssox asks on the terminal)'
            cand --process-timeout 'How long a profile''s credential_process may run'
            cand --login-timeout 'How long to wait for the login to be approved (e.g. 10m, 90s)'
            cand --url 'Print the sign-in URL on stdout instead of opening it (it signs in whoever has it, for about 15 minutes)'
            cand --no-login 'Never start a login; fail with exit status 77 when no usable token is cached'
            cand --refresh 'Ignore cached role credentials and fetch new ones'
            cand --use-device-code 'Log in with a device code instead of a browser redirect (for SSH sessions and containers)'
            cand --no-browser 'Do not open a browser; only print the URL to open'
            cand -v 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand --verbose 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ssox;completions'= {
            cand -v 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand --verbose 'Show each step on stderr (files read, cache keys, endpoints, timings); secrets never'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ssox;help'= {
            cand login 'Log in to IAM Identity Center, or sign in with console credentials (aws login), and cache the result where the AWS CLI reads it'
            cand logout 'Log out: end SSO sessions, delete their cached tokens, the role credentials cached from them, and aws login caches'
            cand profiles 'List the profiles with their kind, account and role, region, and the state of their credentials'
            cand doctor 'Explain what ssox would do for a profile, and why (no network unless --check)'
            cand configure 'Write a profile for every account and role your SSO login can use into ~/.aws/config'
            cand console 'Open the AWS web console as a profile, in the browser (or print the sign-in URL)'
            cand completions 'Print the completion script for a shell (profile names complete from your config files)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ssox;help;login'= {
        }
        &'ssox;help;logout'= {
        }
        &'ssox;help;profiles'= {
        }
        &'ssox;help;doctor'= {
        }
        &'ssox;help;configure'= {
        }
        &'ssox;help;console'= {
        }
        &'ssox;help;completions'= {
        }
        &'ssox;help;help'= {
        }
    ]
    $completions[$command]
}
