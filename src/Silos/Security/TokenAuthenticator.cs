using ControlPlane.Contracts.Security;
using Microsoft.Extensions.Options;

namespace ControlPlane.Silos.Security;

/// <summary>Checks bearer tokens against the cluster's signing key, and issues them for the demo and tests.</summary>
public sealed partial class TokenAuthenticator
{
    private const int MaxRemembered = 10_000;
    private readonly byte[] _key;

    // Tokens are self-contained and never expire, so a verified one stays valid: remembering it saves an
    // HMAC per call on the hot path. Bounded: cleared when full (a gateway's token is re-verified once).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CallerIdentity> _verified = new(StringComparer.Ordinal);

    /// <summary>Reads the signing key from <see cref="AuthOptions"/> (validated at start-up).</summary>
    public TokenAuthenticator(IOptions<AuthOptions> options, ILogger<TokenAuthenticator> logger)
    {
        var configured = options.Value.SigningKey;
        UsesDevelopmentKey = string.IsNullOrEmpty(configured);
        _key = UsesDevelopmentKey ? DevelopmentSigningKey.Bytes.ToArray() : Convert.FromBase64String(configured);
        if (UsesDevelopmentKey)
        {
            LogDevelopmentKey(logger, AuthOptions.SectionName);
        }
    }

    /// <summary>Whether the well-known development key is in use (anyone can mint tokens).</summary>
    public bool UsesDevelopmentKey { get; }

    /// <summary>Validates a raw <c>authorization</c> header value.</summary>
    public CallerIdentity? Authenticate(string? authorizationHeader, out string error)
    {
        const string scheme = "Bearer ";
        if (string.IsNullOrWhiteSpace(authorizationHeader))
        {
            error = "missing 'authorization: Bearer <token>' metadata";
            return null;
        }

        if (!authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = "the authorization metadata must use the Bearer scheme: 'authorization: Bearer <token>'";
            return null;
        }

        var token = authorizationHeader[scheme.Length..].Trim();
        if (token.Length > 1024)
        {
            error = "the bearer token is longer than 1024 characters";
            return null;
        }

        if (_verified.TryGetValue(token, out var known))
        {
            error = "";
            return known;
        }

        var identity = BearerToken.Validate(_key, token, out error);
        if (identity is not null)
        {
            if (_verified.Count >= MaxRemembered)
            {
                _verified.Clear();
            }

            _verified[token] = identity;
        }

        return identity;
    }

    /// <summary>Issues a token signed with this cluster's key.</summary>
    public string Issue(CallerRole role, string subject) => BearerToken.Issue(_key, role, subject);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No signing key configured under {Section}:SigningKey: using the well-known DEVELOPMENT key; anyone can mint tokens. Set a key (openssl rand -base64 32) before exposing this silo.")]
    private static partial void LogDevelopmentKey(ILogger logger, string section);
}
