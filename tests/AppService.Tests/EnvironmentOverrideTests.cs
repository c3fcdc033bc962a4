using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Tests;

// Environment variables are process-wide: these tests must not run beside others that read them.
[Collection(nameof(EnvironmentOverrideTests))]
[CollectionDefinition(nameof(EnvironmentOverrideTests), DisableParallelization = true)]
public sealed class EnvironmentOverrideTests
{
    [Fact]
    public void SectionKeyVariableOverridesTheFileAndIsValidatedToo()
    {
        var path = Path.Combine(Path.GetTempPath(), $"om-{Guid.NewGuid():N}.yaml");
        File.Copy(Path.Combine(Repository.Root, "config.example.yaml"), path);
        try
        {
            Environment.SetEnvironmentVariable("OPENMEET_HOMESERVER__URL", "https://synapse.internal:8448");
            Environment.SetEnvironmentVariable("OPENMEET_APPSERVICE__AS_TOKEN", "from_the_environment_0123456789");
            Environment.SetEnvironmentVariable("OPENMEET_JWT_SECRET", "for OpenMeet, not a key of ours");
            var config = ConfigLoader.Load(path, requireTokens: false);
            config.Homeserver.Url.Should().Be("https://synapse.internal:8448");
            config.Appservice.AsToken.Should().Be("from_the_environment_0123456789");

            Environment.SetEnvironmentVariable("OPENMEET_HOMESERVER__URL", "synapse:8008");
            Environment.SetEnvironmentVariable("OPENMEET_DATABASE__FSNYC", "true");
            var act = () => ConfigLoader.Load(path, requireTokens: false);
            act.Should().Throw<ConfigException>().Which.Problems.Should().ContainSingle().Which.Should().StartWith("database.fsnyc: unknown key");
            Environment.SetEnvironmentVariable("OPENMEET_DATABASE__FSNYC", null);
            act.Should().Throw<ConfigException>().Which.Problems.Should().ContainSingle().Which.Should().StartWith("homeserver.url:");
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENMEET_HOMESERVER__URL", null);
            Environment.SetEnvironmentVariable("OPENMEET_DATABASE__FSNYC", null);
            Environment.SetEnvironmentVariable("OPENMEET_APPSERVICE__AS_TOKEN", null);
            Environment.SetEnvironmentVariable("OPENMEET_JWT_SECRET", null);
            File.Delete(path);
        }
    }
}
