# Homebrew formula for ssox, in homebrew-core's style for Rust tools: built from the release's
# source tarball with `cargo install`, man pages and completions from the tarball. The url and
# sha256 below are the release's: scripts/package rewrites both for the source tarball it
# builds (target/dist/ssox.rb), and the release workflow attaches that file to the release.
class Ssox < Formula
  desc "Run programs with AWS IAM Identity Center (SSO) credentials"
  homepage "https://github.com/ssox/ssox"
  url "https://github.com/ssox/ssox/releases/download/v0.1.0/ssox-0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license any_of: ["MIT", "Apache-2.0"]
  head "https://github.com/ssox/ssox.git", branch: "main"

  depends_on "rust" => :build

  def install
    system "cargo", "install", *std_cargo_args
    man1.install Dir["man/*.1"]
    bash_completion.install "completions/ssox.bash" => "ssox"
    zsh_completion.install "completions/_ssox"
    fish_completion.install "completions/ssox.fish"
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/ssox --version")

    # A config with no credentials: ssox names what is missing and exits 78 (EX_CONFIG)
    # without touching the network.
    (testpath/"config").write "[profile empty]\nregion = eu-west-1\n"
    ENV["AWS_CONFIG_FILE"] = testpath/"config"
    ENV["AWS_SHARED_CREDENTIALS_FILE"] = testpath/"credentials"
    output = shell_output("#{bin}/ssox -p empty -- true 2>&1", 78)
    assert_match "profile `empty`", output
  end
end
