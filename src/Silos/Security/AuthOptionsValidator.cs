using ControlPlane.Contracts.Security;
using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane.Silos.Security;

/// <summary>Validates <see cref="AuthOptions"/> at start-up.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new ConfigurationErrors(AuthOptions.SectionName);
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            errors.Check(!options.RequireSigningKey, nameof(options.SigningKey),
                "is required because RequireSigningKey is set; generate one with: openssl rand -base64 32");
            return errors.Result();
        }

        byte[]? key = null;
        try
        {
            key = Convert.FromBase64String(options.SigningKey);
        }
        catch (FormatException)
        {
        }

        errors.Check(key is not null, nameof(options.SigningKey), "must be base64; generate one with: openssl rand -base64 32");
        errors.Check(key is null || key.Length >= BearerToken.MinKeyBytes, nameof(options.SigningKey),
            $"must decode to at least {BearerToken.MinKeyBytes} bytes (got {key?.Length})");
        return errors.Result();
    }
}
