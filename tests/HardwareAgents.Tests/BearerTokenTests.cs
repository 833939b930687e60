using System.Text;
using ControlPlane.Contracts.Security;

namespace ControlPlane.HardwareAgents.Tests;

public class BearerTokenTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("a-test-signing-key-of-at-least-32-bytes!");

    [Fact]
    public void An_issued_token_validates_to_its_role_and_subject()
    {
        var token = BearerToken.Issue(Key, CallerRole.Agent, "gpu-node-17");

        var identity = BearerToken.Validate(Key, token, out var error);

        Assert.Equal(new CallerIdentity(CallerRole.Agent, "gpu-node-17"), identity);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("not-a-token", "not a ControlPlane token")]
    [InlineData("cp1.admin.YQ.AAAA", "unknown role 'admin'")]
    [InlineData("cp2.agent.YQ.AAAA", "not a ControlPlane token")]
    [InlineData("cp1.agent.YQ.!!!!", "malformed")]
    public void Malformed_tokens_say_what_is_wrong(string token, string expected)
    {
        Assert.Null(BearerToken.Validate(Key, token, out var error));
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("alice\nbob")]
    [InlineData("alice\u202E")]
    [InlineData("\0")]
    public void A_subject_that_is_not_printable_is_neither_issued_nor_accepted(string subject)
    {
        Assert.Throws<ArgumentException>(() => BearerToken.Issue(Key, CallerRole.Operator, subject));

        // Signed by someone with the key but another tool: still refused.
        var body = $"cp1.operator.{Convert.ToBase64String(Encoding.UTF8.GetBytes(subject)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";
        var mac = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes(body))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Assert.Null(BearerToken.Validate(Key, $"{body}.{mac}", out var error));
        Assert.Contains("not printable", error);
    }

    [Fact]
    public void A_token_signed_with_another_key_or_altered_is_refused()
    {
        var other = BearerToken.Issue(Encoding.UTF8.GetBytes("another-signing-key-that-is-32-bytes-long"), CallerRole.Operator, "mallory");
        var token = BearerToken.Issue(Key, CallerRole.Viewer, "alice");
        var promoted = token.Replace("cp1.viewer.", "cp1.operator.");

        Assert.Null(BearerToken.Validate(Key, other, out var e1));
        Assert.Null(BearerToken.Validate(Key, promoted, out _));
        Assert.Contains("signature", e1);
    }

    [Fact]
    public void Short_keys_and_bad_subjects_are_refused_at_issue()
    {
        Assert.Throws<ArgumentException>(() => BearerToken.Issue(new byte[16], CallerRole.Agent, "n"));
        Assert.Throws<ArgumentException>(() => BearerToken.Issue(Key, CallerRole.Agent, ""));
        Assert.Throws<ArgumentException>(() => BearerToken.Issue(Key, CallerRole.Agent, new string('n', 129)));
    }
}
