using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using City.Central.Configuration;

namespace City.Central;

/// <summary>
/// <c>central gateway reset GW [--url URL] [--token TOKEN] [--cacert FILE]</c>: asks a running central (its HTTP API,
/// an admin token) to clear a gateway's registration, so that its next birth is accepted whatever epoch it carries.
/// URL defaults to Central:HttpUrl, TOKEN to the environment variable CENTRAL_TOKEN; an https URL is verified against
/// FILE, by default <c>{Central:DataPath}/pki/ca.crt</c>. Exit codes: 0 done, 1 refused or failed, 2 usage error.
/// </summary>
internal static class GatewayCommand
{
    public const string TokenVariable = "CENTRAL_TOKEN";

    public const string Usage = """
        usage: central gateway reset GATEWAY [--url URL] [--token TOKEN] [--cacert FILE] [--Central:DataPath=DIR]
               (TOKEN: an admin token, or the environment variable CENTRAL_TOKEN)
        """;

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "gateway";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, string? environmentToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length < 3 || args[1] != "reset" || args[2].StartsWith('-'))
        {
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return CommandLine.ExitUsage;
        }

        var gateway = args[2];
        string? url = null;
        var token = environmentToken;
        string? caFile = null;
        var rest = new List<string>();
        for (var i = 3; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--url" when i + 1 < args.Length:
                    url = args[++i];
                    break;
                case "--token" when i + 1 < args.Length:
                    token = args[++i];
                    break;
                case "--cacert" when i + 1 < args.Length:
                    caFile = args[++i];
                    break;
                case var arg when arg.StartsWith("--Central:", StringComparison.OrdinalIgnoreCase):
                    rest.Add(arg);
                    break;
                default:
                    await error.WriteLineAsync($"central gateway: unexpected '{args[i]}'.{Environment.NewLine}{Usage}").ConfigureAwait(false);
                    return CommandLine.ExitUsage;
            }
        }

        if (string.IsNullOrEmpty(token))
        {
            await error.WriteLineAsync($"central gateway: an admin token is needed: --token TOKEN or {TokenVariable}.").ConfigureAwait(false);
            return CommandLine.ExitUsage;
        }

        url ??= CommandConfiguration.Read(rest)[$"{CentralOptions.Section}:HttpUrl"] ?? new CentralOptions().HttpUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"central gateway: '{url}' is not an http or https URL.").ConfigureAwait(false);
            return CommandLine.ExitUsage;
        }

        caFile ??= Path.Combine(CommandConfiguration.DataPath(rest), "pki", "ca.crt");
        try
        {
            using var http = CreateClient(baseUrl, caFile);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, $"api/v1/gateways/{Uri.EscapeDataString(gateway)}/reset"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync($"central gateway: {(int)response.StatusCode} {response.ReasonPhrase}: {ErrorOf(body)}").ConfigureAwait(false);
                return 1;
            }

            using var result = JsonDocument.Parse(body);
            var root = result.RootElement;
            await output.WriteLineAsync($"gateway {gateway} reset by '{root.GetProperty("resetBy").GetString()}': epoch {root.GetProperty("previousEpoch").GetUInt64()} of buffer '{root.GetProperty("previousBufferId").GetString()}' and {root.GetProperty("cataloguePoints").GetInt32()} catalogue points cleared; its next birth is accepted").ConfigureAwait(false);
            return 0;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException or JsonException or System.Security.Cryptography.CryptographicException)
        {
            await error.WriteLineAsync($"central gateway: {baseUrl}: {exception.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static string ErrorOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var message) ? message.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    /// <summary>For https, the server's certificate must chain to the CA of <paramref name="caFile"/> alone and name the host.</summary>
    private static HttpClient CreateClient(Uri baseUrl, string caFile)
    {
        var handler = new SocketsHttpHandler();
        if (baseUrl.Scheme == "https")
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
        }

        return new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30) };
    }
}
