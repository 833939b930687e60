using System.Text;

namespace ControlPlane.Silos.Validation;

/// <summary>
/// Opaque page tokens (AIP-158): base64 of a prefix naming the list and the key the next page starts
/// after, so a token of one list is refused by another and a hand-made one is refused by all.
/// </summary>
public static class PageTokens
{
    private const int MaxTokenLength = 512;

    /// <summary>The token for the page after <paramref name="key"/>.</summary>
    public static string Encode(string prefix, string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(prefix + key));

    /// <summary>
    /// The key of <paramref name="token"/>, null for an empty token, or null with a <c>page_token</c> violation
    /// when the token is not one this list issued (<paramref name="isValidKey"/> says which keys it issues).
    /// </summary>
    public static string? Decode(string token, string prefix, Func<string, bool> isValidKey, FieldViolations violations)
    {
        if (token.Length == 0)
        {
            return null;
        }

        try
        {
            var text = token.Length <= MaxTokenLength ? Encoding.UTF8.GetString(Convert.FromBase64String(token)) : "";
            if (text.StartsWith(prefix, StringComparison.Ordinal) && isValidKey(text[prefix.Length..]))
            {
                return text[prefix.Length..];
            }
        }
        catch (FormatException)
        {
        }

        violations.Add("page_token", "is not a token this API issued; pass the next_page_token of a previous response, or leave it empty");
        return null;
    }
}
