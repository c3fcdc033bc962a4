using System.Net.Http.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Registration;
using OpenMeet.AppService.Storage;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// Secrets and databases are owner only (0600 files in a 0700 folder), whatever the umask, and files an
/// older version left readable to all are closed at start (issue 13: openmeet.db and its log were 0644).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileModesTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    [Fact]
    public async Task DatabaseItsLogAndTheDataFolderAreOwnerOnly()
    {
        await using var service = new TestService();
        var data = Path.Combine(service.Folder, "data");
        Directory.CreateDirectory(data, (UnixFileMode)0b111_101_101);
        File.WriteAllBytes(Path.Combine(data, "test.db"), []);
        File.SetUnixFileMode(Path.Combine(data, "test.db"), (UnixFileMode)0b110_100_100);

        await service.StartAsync();
        (await service.Private(TestService.InternalToken).PutAsJsonAsync("/internal/tenants/t1", new { name = "T1" })).EnsureSuccessStatusCode();

        File.GetUnixFileMode(data).Should().Be(PrivateFolder);
        foreach (var file in new[] { "test.db", "test-log.db" })
        {
            File.GetUnixFileMode(Path.Combine(data, file)).Should().Be(Private, file);
        }

        Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories)
            .Should().OnlyContain(f => (File.GetUnixFileMode(f) & (UnixFileMode)0b000_111_111) == 0, "nothing in the data folder is open to others");
    }

    // The keys that sign the issuer's cookies and its hand-off state are made on first use, after start.
    [Fact]
    public async Task DataProtectionKeysAreOwnerOnly()
    {
        await using var service = new TestService();
        await service.StartAsync();

        service.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("file-modes").Protect("made on first use");

        var keys = Path.Combine(service.Folder, "data", "protection-keys");
        File.GetUnixFileMode(keys).Should().Be(PrivateFolder);
        Directory.EnumerateFiles(keys).Should().NotBeEmpty()
            .And.OnlyContain(f => File.GetUnixFileMode(f) == Private, "a key file lets its reader forge sign-in cookies");
    }

    // With the usual umask (022), as `generate-registration` runs: it does not set up storage.
    [Fact]
    public void GeneratedRegistrationAndTheConfigWithItsTokensAreOwnerOnly()
    {
        var before = Umask(0b000_010_010);
        var folder = Path.Combine(Path.GetTempPath(), "om-modes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var config = Path.Combine(folder, "config.yaml");
            File.Copy(Path.Combine(Repository.Root, "config.example.yaml"), config);
            File.SetUnixFileMode(config, (UnixFileMode)0b110_100_100);

            GenerateRegistration.Run(config, Path.Combine(folder, "registration.yaml"), Path.Combine(Repository.Root, "registration.yaml.template"));

            File.GetUnixFileMode(config).Should().Be(Private);
            File.GetUnixFileMode(Path.Combine(folder, "registration.yaml")).Should().Be(Private);
        }
        finally
        {
            _ = Umask(before);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void UmaskOfTheProcessIsOwnerOnlyOnceStorageIsSetUp()
    {
        PrivateFiles.ForThisProcess();
        var file = Path.Combine(Path.GetTempPath(), "om-umask-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "x");
        try
        {
            File.GetUnixFileMode(file).Should().Be(Private);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "umask")]
    private static extern uint Umask(uint mask);
}
