using ControlPlane.Cli;
using ControlPlane.Contracts.Security;
using ControlPlane.Silos.Tests.Infrastructure;

namespace ControlPlane.Silos.Tests;

/// <summary>cpctl given a token or an endpoint that cannot work: a message that says what is wrong and what to try, never a raw transport error.</summary>
public sealed class CpctlConnectionTests(ControlPlaneFixture plane) : IClassFixture<ControlPlaneFixture>
{
    [Theory]
    [InlineData("warn: no signing key configured\ncp1.operator.YWxpY2U.sig", "position 5")]
    [InlineData("cp1.operator.YWxpY2U.sig trailing", "position 24")]
    [InlineData("cp1.operator.\tYWxpY2U", "position 13")]
    public async Task A_token_with_whitespace_or_a_line_break_is_refused_with_a_hint(string token, string where)
    {
        var (code, stdout, stderr) = await Cpctl(plane.GrpcAddress.ToString(), token, "accelerators", "list");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains($"the token in CPCTL_TOKEN holds whitespace or a line break at {where}", stderr);
        Assert.Contains("printed only the token", stderr);
    }

    [Fact]
    public async Task The_metrics_port_instead_of_the_grpc_port_is_named_as_such()
    {
        var (code, _, stderr) = await Cpctl(plane.HttpAddress.ToString(), Operator(), "accelerators", "list");

        Assert.Equal(1, code);
        Assert.DoesNotContain("HTTP_1_1_REQUIRED", stderr);
        Assert.Contains($"{plane.HttpAddress.Authority} answers HTTP/1.1", stderr);
        Assert.Contains("gRPC port", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Https_against_the_plaintext_port_says_to_use_http()
    {
        var https = new UriBuilder(plane.GrpcAddress) { Scheme = "https" }.Uri;

        var (code, _, stderr) = await Cpctl(https.ToString(), Operator(), "accelerators", "list");

        Assert.Equal(1, code);
        Assert.Contains("TLS", stderr);
        Assert.Contains($"http://{plane.GrpcAddress.Authority}", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task A_port_where_nothing_listens_says_the_silo_is_not_reachable()
    {
        var nobody = $"http://127.0.0.1:{FreePorts.Take(1)[0]}";

        var (code, _, stderr) = await Cpctl(nobody, Operator(), "accelerators", "list");

        Assert.Equal(1, code);
        Assert.Contains("UNAVAILABLE", stderr);
        Assert.Contains("cannot reach the control plane", stderr);
    }

    private string Operator() => plane.Tokens.Issue(CallerRole.Operator, "cpctl-test");

    private static async Task<(int Code, string Out, string Err)> Cpctl(string endpoint, string token, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CpctlApp.RunAsync([.. args, "--timeout", "10"], stdout, stderr, name => name switch
        {
            "CPCTL_ENDPOINT" => endpoint,
            "CPCTL_TOKEN" => token,
            _ => null,
        }, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
