using System.Security.Cryptography;
using System.Text;

namespace ControlPlane.Contracts.Security;

/// <summary>Who a valid token speaks for.</summary>
/// <param name="Role">The caller's role.</param>
/// <param name="Subject">The node id for an agent; the operator's or service's name otherwise.</param>
public sealed record CallerIdentity(CallerRole Role, string Subject);

/// <summary>
/// The control plane's bearer tokens: <c>cp1.{role}.{subject}.{mac}</c>, where subject is base64url and
/// mac is HMAC-SHA256 over the first three parts with the cluster's signing key. Self-contained, so a
/// fleet of thousands of nodes needs no token table, and an agent's token names the one node it may act for.
/// </summary>
public static class BearerToken
{
    private const string Version = "cp1";

    /// <summary>Longest subject a token may carry, in characters.</summary>
    public const int MaxSubjectLength = 128;

    /// <summary>Smallest signing key accepted, in bytes.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>Issues a token for <paramref name="role"/> and <paramref name="subject"/>.</summary>
    public static string Issue(ReadOnlySpan<byte> signingKey, CallerRole role, string subject)
    {
        if (signingKey.Length < MinKeyBytes)
        {
            throw new ArgumentException($"the signing key must be at least {MinKeyBytes} bytes", nameof(signingKey));
        }

        if (string.IsNullOrEmpty(subject) || subject.Length > MaxSubjectLength)
        {
            throw new ArgumentException($"the subject must be 1..{MaxSubjectLength} characters", nameof(subject));
        }

        if (Text.PrintableText.FirstViolation(subject) is { } where)
        {
            throw new ArgumentException($"the subject {Text.PrintableText.Rule} (found {where})", nameof(subject));
        }

        var body = $"{Version}.{RoleName(role)}.{Base64Url(Encoding.UTF8.GetBytes(subject))}";
        return $"{body}.{Base64Url(HMACSHA256.HashData(signingKey, Encoding.ASCII.GetBytes(body)))}";
    }

    /// <summary>Checks <paramref name="token"/>'s form and signature.</summary>
    /// <returns>The identity, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static CallerIdentity? Validate(ReadOnlySpan<byte> signingKey, string token, out string error)
    {
        var parts = token.Split('.');
        if (parts.Length != 4 || parts[0] != Version)
        {
            error = "the token is not a ControlPlane token (expected cp1.<role>.<subject>.<signature>)";
            return null;
        }

        if (ParseRole(parts[1]) is not { } role)
        {
            error = $"the token names an unknown role '{Truncate(parts[1])}'";
            return null;
        }

        var body = token.AsSpan(0, token.LastIndexOf('.'));
        var expected = HMACSHA256.HashData(signingKey, Encoding.ASCII.GetBytes(body.ToString()));
        byte[] actual;
        string subject;
        try
        {
            actual = FromBase64Url(parts[3]);
            subject = Encoding.UTF8.GetString(FromBase64Url(parts[2]));
        }
        catch (FormatException)
        {
            error = "the token is malformed";
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            error = "the token's signature does not match this cluster's signing key";
            return null;
        }

        if (subject.Length is 0 or > MaxSubjectLength || !Text.PrintableText.IsPrintable(subject))
        {
            error = "the token's subject is empty, too long or not printable text";
            return null;
        }

        error = "";
        return new CallerIdentity(role, subject);
    }

    /// <summary>The role's name as it appears in tokens and on the command line.</summary>
    public static string RoleName(CallerRole role) => role switch
    {
        CallerRole.Agent => "agent",
        CallerRole.Gateway => "gateway",
        CallerRole.Operator => "operator",
        CallerRole.Viewer => "viewer",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role"),
    };

    /// <summary>Parses a role name; null when it is not one.</summary>
    public static CallerRole? ParseRole(string name) => name switch
    {
        "agent" => CallerRole.Agent,
        "gateway" => CallerRole.Gateway,
        "operator" => CallerRole.Operator,
        "viewer" => CallerRole.Viewer,
        _ => null,
    };

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "...";

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        var b64 = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '='));
    }
}
