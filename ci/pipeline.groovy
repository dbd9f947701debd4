// Steps the deploy job (Jenkinsfile) and the promotion job (Jenkinsfile.promote) share; each loads this file on a
// deploy pod with `load 'ci/pipeline.groovy'`.

// The deploy pod's IRSA identity becomes profile "irsa"; the deployer roles are assumed from it.
def writeAwsProfiles() {
    sh '''
        cat > "$WORKSPACE/.aws-config" <<CONF
[profile irsa]
role_arn = $AWS_ROLE_ARN
web_identity_token_file = $AWS_WEB_IDENTITY_TOKEN_FILE
region = $AWS_REGION
[profile deploy]
role_arn = $DEPLOY_ROLE_ARN
source_profile = irsa
region = $AWS_REGION
[profile promote]
role_arn = ${PROMOTE_DEPLOY_ROLE_ARN:-none}
source_profile = irsa
region = $AWS_REGION
CONF
    '''
}

// crane logs in to each repository named by an environment variable, with a token of the pod's IRSA identity: the
// AWS CLI is in the pulumi container, crane's image has none. The token goes through a file, never a command line.
def craneLogin(List<String> repositoryVariables) {
    repositoryVariables.eachWithIndex { variable, i ->
        if (!(variable ==~ /[A-Z_]+/)) error("craneLogin: ${variable} is not an environment variable name")
        container('pulumi') {
            sh "env -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONFIG_FILE=\"\$WORKSPACE/.aws-config\" AWS_PROFILE=irsa aws ecr get-login-password --region \"\$(echo \"\$${variable}\" | cut -d. -f4)\" > .ecr-${i}"
        }
        container('crane') { sh "crane auth login \"\${${variable}%%/*}\" -u AWS --password-stdin < .ecr-${i}; status=\$?; rm -f .ecr-${i}; exit \$status" }
    }
}

// Runs a command as the given profile; the web-identity variables are dropped so the profile decides. The
// passphrase is a username/password credential of the deploy folder's own store, which no branch build can see.
def pulumiAs(String profile, String command) {
    def run = { sh "env -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONFIG_FILE=\"\$WORKSPACE/.aws-config\" AWS_PROFILE=${profile} ${command}" }
    if (env.PULUMI_PASSPHRASE_CREDENTIAL) {
        withCredentials([usernamePassword(credentialsId: env.PULUMI_PASSPHRASE_CREDENTIAL, usernameVariable: 'PULUMI_PASSPHRASE_USER', passwordVariable: 'PULUMI_CONFIG_PASSPHRASE')]) { run() }
    } else {
        run()
    }
}

return this
