using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ControlPlane.Tests.Shared;

/// <summary>
/// A real Cosmos DB wire-protocol server (tests/cosmos/server.js, on @vercel/cosmosdb-server, installed by
/// scripts/test.sh) on a free loopback port with a key of its own, for as long as the fixture lives.
/// </summary>
public sealed class CosmosServer : IAsyncDisposable
{
    private readonly Process _process;

    private CosmosServer(Process process, int port, string key)
    {
        _process = process;
        Endpoint = $"https://127.0.0.1:{port}/";
        Key = key;
    }

    /// <summary>The account endpoint.</summary>
    public string Endpoint { get; }

    /// <summary>The account key it checks signatures against.</summary>
    public string Key { get; }

    /// <summary>The folder of the server and reader scripts.</summary>
    public static string ScriptDirectory => Path.Combine(RepositoryRoot.Find(), "tests", "cosmos");

    /// <summary>Starts a server and waits until it listens.</summary>
    public static async Task<CosmosServer> StartAsync()
    {
        if (!Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "@vercel", "cosmosdb-server")))
        {
            throw new InvalidOperationException($"the Cosmos test server is not installed: run 'npm ci --prefix {ScriptDirectory}' (scripts/test.sh does)");
        }

        var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray());
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ScriptDirectory };
        start.ArgumentList.Add("server.js");
        start.ArgumentList.Add("0");
        start.ArgumentList.Add(key);
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening ", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult(int.Parse(e.Data["listening ".Length..], CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return new CosmosServer(process, port, key);
        }
        catch (TimeoutException)
        {
            process.Kill();
            lock (errors)
            {
                throw new TimeoutException($"the Cosmos test server did not start within 30 s: {errors}");
            }
        }
    }

    /// <summary>Makes the next <paramref name="count"/> document requests answer 429 with <paramref name="retryAfter"/>.</summary>
    public async Task ThrottleAsync(int count, TimeSpan retryAfter)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var http = new HttpClient(handler);
        using var body = new StringContent(
            string.Create(CultureInfo.InvariantCulture, $"{{\"count\":{count},\"retryAfterMs\":{retryAfter.TotalMilliseconds}}}"), Encoding.UTF8, "application/json");
        (await http.PostAsync(new Uri(new Uri(Endpoint), "__throttle"), body)).EnsureSuccessStatusCode();
    }

    /// <summary>Reads a document with Microsoft's Node SDK and decodes its state with another MessagePack implementation; the JSON it prints.</summary>
    public async Task<string> ReadWithNodeAsync(string database, string container, string id, string partitionKey)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ScriptDirectory };
        foreach (var argument in new[] { "read-document.js", Endpoint, Key, database, container, id, partitionKey })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"read-document.js failed: {await error}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
