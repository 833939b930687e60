using System.ComponentModel;
using System.Diagnostics;

namespace ControlPlane.HardwareAgents.Discovery;

/// <summary>Runs nvidia-smi and parses what it prints. The executable path is a parameter so tests can run a stand-in.</summary>
public sealed class NvidiaSmiProbe(string executable = "nvidia-smi", TimeSpan? timeout = null)
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(10);

    /// <summary>The GPUs nvidia-smi reports; throws <see cref="HardwareDiscoveryException"/> saying what went wrong.</summary>
    public async Task<IReadOnlyList<GpuReading>> QueryAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in NvidiaSmiCsvParser.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new HardwareDiscoveryException($"could not start '{executable}'");
        }
        catch (Win32Exception ex)
        {
            throw new HardwareDiscoveryException(
                $"'{executable}' was not found or cannot run ({ex.Message}); install the NVIDIA driver, pass --nvidia-smi PATH, or run without GPUs (--no-gpus)", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new HardwareDiscoveryException($"'{executable}' did not finish within {_timeout.TotalSeconds:0}s; the driver may be hung");
            }

            var output = await stdout;
            var errors = (await stderr).Trim();
            if (process.ExitCode != 0)
            {
                // nvidia-smi prints its own reason, e.g. "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
                var reason = errors.Length > 0 ? errors : output.Trim();
                throw new HardwareDiscoveryException($"'{executable}' failed with exit code {process.ExitCode}: {reason}");
            }

            return NvidiaSmiCsvParser.Parse(output);
        }
    }
}
