using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Storage;

/// <summary>Validates <see cref="StorageOptions"/> at start-up.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new ConfigurationErrors(StorageOptions.SectionName);
        errors.Check(Enum.IsDefined(options.Provider), nameof(options.Provider),
            $"must be {string.Join(" or ", Enum.GetNames<StorageProvider>())} (got {options.Provider})");
        if (options.Provider == StorageProvider.Sqlite)
        {
            var path = options.Sqlite.Path;
            errors.Check(!string.IsNullOrWhiteSpace(path) && path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) < 0 && !path.EndsWith('/') && !Directory.Exists(path),
                "Sqlite:Path", $"must name a file (got '{path}')");
        }

        if (options.Provider == StorageProvider.Cosmos)
        {
            var cosmos = options.Cosmos;
            var endpoint = Uri.TryCreate(cosmos.AccountEndpoint, UriKind.Absolute, out var uri) ? uri : null;
            errors.Check(endpoint is not null && endpoint.Scheme == Uri.UriSchemeHttps,
                "Cosmos:AccountEndpoint", $"must be an https:// URL, e.g. https://myaccount.documents.azure.com:443/ (got '{cosmos.AccountEndpoint}')");
            errors.Check(!cosmos.AcceptLocalServerCertificate || endpoint is null || endpoint.IsLoopback, "Cosmos:AcceptLocalServerCertificate",
                $"may only be set for a server on a loopback address (the emulator or a test server), not {endpoint?.Host}");
            errors.Check(IsBase64(cosmos.AccountKey), "Cosmos:AccountKey", "must be the account's base64 key (Azure portal: Keys)");
            errors.Check(IsName(cosmos.Database), "Cosmos:Database", $"must be 1..255 characters without / \\ ? # (got '{cosmos.Database}')");
            errors.Check(IsName(cosmos.Container), "Cosmos:Container", $"must be 1..255 characters without / \\ ? # (got '{cosmos.Container}')");
            errors.Check(cosmos.MaxThrottleRetries is >= 0 and <= 100, "Cosmos:MaxThrottleRetries", $"must be 0..100 (got {cosmos.MaxThrottleRetries})");
            errors.Check(cosmos.MaxThrottleWait >= TimeSpan.Zero && cosmos.MaxThrottleWait <= TimeSpan.FromMinutes(5), "Cosmos:MaxThrottleWait",
                $"must be 0..5 minutes (got {cosmos.MaxThrottleWait})");
        }

        return errors.Result();
    }

    private static bool IsBase64(string value) =>
        value.Length > 0 && Convert.TryFromBase64String(value, new byte[value.Length], out _);

    private static bool IsName(string value) =>
        value.Length is >= 1 and <= 255 && value.IndexOfAny(['/', '\\', '?', '#']) < 0 && value.Trim().Length == value.Length;
}
