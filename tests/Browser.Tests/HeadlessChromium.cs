using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace City.Browser.Tests;

/// <summary>
/// Debian's chromium, headless, driven through Debian's chromedriver. Both paths are given, so Selenium Manager is never
/// asked for a driver or a browser and nothing is downloaded at run time. Each instance has a new empty profile (deleted on
/// dispose) and keeps the browser's console log for <see cref="SevereConsoleEntries"/>. Fails (never skips) when a
/// package is missing.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    private readonly string _profile;

    private HeadlessChromium(ChromeDriver driver, string profile)
    {
        Driver = driver;
        _profile = profile;
    }

    public ChromeDriver Driver { get; }

    /// <param name="windowWidth">Viewport width in CSS pixels (a control-room screen by default).</param>
    public static HeadlessChromium Start(int windowWidth = 1600, int windowHeight = 1000)
    {
        Require(ChromiumPath, "chromium");
        Require(DriverPath, "chromium-driver");
        var profile = Directory.CreateTempSubdirectory("city-chromium-").FullName;
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        // As root in a container: no sandbox; no GPU; nothing that talks to the internet by itself (QUIC, component
        // updates, sync, background fetches).
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile}",
            $"--window-size={windowWidth},{windowHeight}");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        try
        {
            return new HeadlessChromium(new ChromeDriver(service, options, TimeSpan.FromSeconds(120)), profile);
        }
        catch
        {
            service.Dispose();
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    /// <summary>The console entries of level SEVERE logged since the previous call (the log is read and emptied).</summary>
    public IReadOnlyList<LogEntry> SevereConsoleEntries() =>
        [.. Driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level == LogLevel.Severe)];

    /// <summary>Elements by <c>data-testid</c> (the operator page's DOM contract), optionally narrowed by more attribute selectors.</summary>
    public IReadOnlyList<IWebElement> ByTestId(string testId, string extraSelector = "") =>
        Driver.FindElements(By.CssSelector($"[data-testid='{testId}']{extraSelector}"));

    public IWebElement? OneByTestId(string testId, string extraSelector = "") => ByTestId(testId, extraSelector).FirstOrDefault();

    /// <summary>Runs JavaScript in the page and returns its value (numbers come back as long or double).</summary>
    public object? Script(string script, params object[] arguments) => Driver.ExecuteScript(script, arguments);

    public void Dispose()
    {
        try
        {
            Driver.Quit();
        }
        finally
        {
            Driver.Dispose();
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException e)
            {
                // chromium's last writes into the profile may race the delete; a leftover temp folder is harmless.
                Console.Error.WriteLine($"could not delete the browser profile {_profile}: {e.Message}");
            }
        }
    }

    private static void Require(string path, string package)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: apt-get install -y {package} (test.sh installs it)");
        }
    }
}
